import { z } from 'zod';
import { dataResult, errorResult } from '../tool-result.js';
import { collectionName, type RegisterTool } from '../schemas.js';

export const registerDropCollectionTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'drop_collection',
    {
      title: 'Drop collection',
      description:
        'Deletes a collection and every record in it, permanently. `dropped` is false when it did not exist.',
      inputSchema: { name: collectionName },
      outputSchema: { name: z.string(), dropped: z.boolean() },
      // Idempotent: a second drop leaves the same state (nothing), it only reports dropped: false.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ name }) => {
      try {
        return dataResult({ name, dropped: await deps.store.dropCollection(name) });
      } catch (error) {
        return errorResult(error, 'drop_collection', deps.logger);
      }
    },
  );
};
