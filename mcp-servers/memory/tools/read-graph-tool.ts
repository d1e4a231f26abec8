import { z } from 'zod';
import { EntitySchema, RelationSchema } from '../graph-types.js';
import { readGraph } from '../graph-reads.js';
import { READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerReadGraphTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'read_graph',
    {
      title: 'Read Graph',
      description:
        'Read the entire knowledge graph: every entity with its observations and every relation, in the ' +
        'order they were created. For a large graph prefer search_nodes, open_nodes or get_related.',
      inputSchema: {},
      outputSchema: { entities: z.array(EntitySchema), relations: z.array(RelationSchema) },
      annotations: READ_ONLY,
    },
    async () => {
      try {
        const graph = await readGraph(deps.sql);
        return dataResult(graph, { ...graph });
      } catch (error) {
        return errorResult(error, 'read_graph', deps.logger);
      }
    },
  );
};
