import { z } from 'zod';
import { dataResult, errorResult } from '../tool-result.js';
import { collectionInfoShape, collectionName, metricSchema, type RegisterTool } from '../schemas.js';

export const registerCreateCollectionTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'create_collection',
    {
      title: 'Create collection',
      description:
        "Creates a collection of vectors. Leave `dimension` out to get the embedder's dimension, which " +
        'upsert_documents and query by text need; give it only for a collection filled with your own ' +
        'vectors (upsert_vectors). Creating a collection that exists with the same dimension and metric ' +
        'returns it unchanged; with another definition it fails.',
      inputSchema: {
        name: collectionName,
        metric: metricSchema
          .default('cosine')
          .describe('Similarity metric: cosine (default), l2 (euclidean) or ip (inner product)'),
        dimension: z
          .number()
          .int()
          .min(1)
          .max(16_000)
          .optional()
          .describe(`Vector length; defaults to the embedder's (${deps.embedder.dimension})`),
      },
      outputSchema: collectionInfoShape,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ name, metric, dimension }) => {
      try {
        const info = await deps.store.createCollection({
          name,
          metric,
          dimension: dimension ?? deps.embedder.dimension,
        });
        return dataResult({ ...info });
      } catch (error) {
        return errorResult(error, 'create_collection', deps.logger);
      }
    },
  );
};
