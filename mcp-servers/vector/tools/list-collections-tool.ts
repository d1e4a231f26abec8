import { z } from 'zod';
import { dataResult, errorResult } from '../tool-result.js';
import type { RegisterTool } from '../schemas.js';

export const registerListCollectionsTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'list_collections',
    {
      title: 'List collections',
      description:
        'Lists the names of all collections, sorted. Call describe_collection for the dimension, metric and size of one.',
      inputSchema: {},
      outputSchema: { collections: z.array(z.string()) },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async () => {
      try {
        return dataResult({ collections: await deps.store.listCollections() });
      } catch (error) {
        return errorResult(error, 'list_collections', deps.logger);
      }
    },
  );
};
