import { z } from 'zod';
import { ValidationError } from '#core';
import { parseFilter } from '#stores/vector';
import { collectionName, FILTER_HELP, filterSchema, type RegisterTool, topKSchema } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

const matchSchema = z.object({
  id: z.string().describe('Record id; "<document id>#<chunk>" for chunks of upsert_documents'),
  similarity: z
    .number()
    .describe('Higher is better: cosine → cos θ, ip → inner product, l2 → 1/(1+distance)'),
  distance: z.number().describe("The metric's distance, lower is better"),
  metadata: z.record(z.string(), z.unknown()),
  document: z.string().nullable().describe('The chunk text, or the document given to upsert_vectors'),
  vector: z.array(z.number()).optional(),
});

export const registerQueryTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'query',
    {
      title: 'Query collection',
      description:
        'Finds the records nearest to a text (embedded by the server) or to a vector, best first. Give ' +
        'exactly one of `text` or `vector`. Results are chunks: group them by metadata.source_id for ' +
        `whole documents. ${FILTER_HELP}`,
      inputSchema: {
        collection: collectionName,
        text: z.string().optional().describe("Query text; the collection must have the embedder's dimension"),
        vector: z.array(z.number()).min(1).optional().describe("Query vector of the collection's dimension"),
        topK: topKSchema.default(5).describe('How many results, 1–1000 (default 5)'),
        filter: filterSchema.optional(),
        includeVectors: z.boolean().default(false).describe('Return each stored vector too'),
      },
      outputSchema: { collection: z.string(), matches: z.array(matchSchema) },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ collection, text, vector, topK, filter, includeVectors }, extra) => {
      try {
        if ((text === undefined) === (vector === undefined)) {
          throw new ValidationError('give exactly one of `text` (a query string) or `vector` (numbers)');
        }
        // Checked before embedding, so a bad filter costs no embedding call.
        parseFilter(filter);
        const queryVector = vector ?? (await deps.embedder.embedOne(text!, { signal: extra.mcpReq.signal }));
        const matches = await deps.store.query(collection, {
          vector: queryVector,
          topK,
          ...(filter === undefined ? {} : { filter }),
          includeVectors,
        });
        return dataResult({ collection, matches });
      } catch (error) {
        return errorResult(error, 'query', deps.logger);
      }
    },
  );
};
