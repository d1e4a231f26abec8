import { z } from 'zod';
import { deleteEntities } from '../graph-writes.js';
import { DESTRUCTIVE, type RegisterTool } from '../schemas.js';
import { errorResult, successResult } from '../tool-result.js';

export const registerDeleteEntitiesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'delete_entities',
    {
      title: 'Delete Entities',
      description:
        'Delete multiple entities and their associated relations from the knowledge graph. Their ' +
        'observations go with them; names that do not exist are ignored.',
      inputSchema: { entityNames: z.array(z.string()).describe('An array of entity names to delete') },
      outputSchema: { success: z.boolean(), message: z.string() },
      annotations: DESTRUCTIVE,
    },
    async ({ entityNames }) => {
      try {
        const { change } = await deleteEntities(deps.sql, entityNames);
        await deps.index.apply(change);
        return successResult('Entities deleted successfully');
      } catch (error) {
        return errorResult(error, 'delete_entities', deps.logger);
      }
    },
  );
};
