import { z } from 'zod';
import { EntitySchema, RelationSchema } from '../graph-types.js';
import { searchNodes } from '../graph-reads.js';
import { READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerSearchNodesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'search_nodes',
    {
      title: 'Search Nodes',
      description:
        'Search for nodes in the knowledge graph based on a query: a case-insensitive substring of an ' +
        "entity's name, type or observations. Returns the matches and every relation touching one. " +
        'For meaning rather than words, use semantic_search.',
      inputSchema: {
        query: z
          .string()
          .describe('The search query to match against entity names, types, and observation content'),
      },
      outputSchema: { entities: z.array(EntitySchema), relations: z.array(RelationSchema) },
      annotations: READ_ONLY,
    },
    async ({ query }) => {
      try {
        const graph = await searchNodes(deps.sql, query);
        return dataResult(graph, { ...graph });
      } catch (error) {
        return errorResult(error, 'search_nodes', deps.logger);
      }
    },
  );
};
