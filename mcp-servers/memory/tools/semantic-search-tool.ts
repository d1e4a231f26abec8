import { z } from 'zod';
import { READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

const matchSchema = z.object({
  kind: z.enum(['entity', 'observation']),
  entityName: z.string(),
  entityType: z.string(),
  observation: z.string().optional().describe('The matching observation (kind "observation")'),
  similarity: z.number().describe('Cosine similarity, higher is closer'),
});

export const registerSemanticSearchTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'semantic_search',
    {
      title: 'Semantic search',
      description:
        'Finds entities and observations by meaning, best first, through the embedder and the vector ' +
        'store (search_nodes matches words only). Filter by entity types and by kind; then open_nodes or ' +
        'get_related on the entity names returned.',
      inputSchema: {
        query: z.string().min(1).describe('What to look for, in natural language'),
        topK: z.number().int().min(1).max(100).default(10).describe('How many matches, 1–100 (default 10)'),
        entityTypes: z.array(z.string()).min(1).optional().describe('Only entities of these types'),
        kinds: z
          .array(z.enum(['entity', 'observation']))
          .min(1)
          .optional()
          .describe('Only entity records (name and type) or only observations; default both'),
      },
      outputSchema: { matches: z.array(matchSchema) },
      // Reads this server's own index; embedding may call a remote model but changes nothing.
      annotations: READ_ONLY,
    },
    async ({ query, topK, entityTypes, kinds }, extra) => {
      try {
        const matches = await deps.index.search(
          { query, topK, ...(entityTypes ? { entityTypes } : {}), ...(kinds ? { kinds } : {}) },
          extra.mcpReq.signal,
        );
        return dataResult({ matches }, { matches });
      } catch (error) {
        return errorResult(error, 'semantic_search', deps.logger);
      }
    },
  );
};
