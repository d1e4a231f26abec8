import { z } from 'zod';
import { EntitySchema, RelationSchema } from '../graph-types.js';
import { openNodes } from '../graph-reads.js';
import { READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerOpenNodesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'open_nodes',
    {
      title: 'Open Nodes',
      description:
        'Open specific nodes in the knowledge graph by their names (exact, case-sensitive). Returns the ' +
        'entities that exist and every relation with one of them at either end; unknown names are skipped.',
      inputSchema: { names: z.array(z.string()).describe('An array of entity names to retrieve') },
      outputSchema: { entities: z.array(EntitySchema), relations: z.array(RelationSchema) },
      annotations: READ_ONLY,
    },
    async ({ names }) => {
      try {
        const graph = await openNodes(deps.sql, names);
        return dataResult(graph, { ...graph });
      } catch (error) {
        return errorResult(error, 'open_nodes', deps.logger);
      }
    },
  );
};
