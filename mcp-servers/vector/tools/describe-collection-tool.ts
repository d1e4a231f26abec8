import { dataResult, errorResult } from '../tool-result.js';
import { collectionInfoShape, collectionName, type RegisterTool } from '../schemas.js';

export const registerDescribeCollectionTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'describe_collection',
    {
      title: 'Describe collection',
      description:
        "Returns a collection's dimension, metric and record count (documents count once per chunk). " +
        "If the dimension is not the embedder's, only upsert_vectors and query by vector work on it.",
      inputSchema: { name: collectionName },
      outputSchema: collectionInfoShape,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ name }) => {
      try {
        return dataResult({ ...(await deps.store.describeCollection(name)) });
      } catch (error) {
        return errorResult(error, 'describe_collection', deps.logger);
      }
    },
  );
};
