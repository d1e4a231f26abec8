import { z } from 'zod';
import { RelationSchema } from '../graph-types.js';
import { deleteRelations } from '../graph-writes.js';
import { DESTRUCTIVE, type RegisterTool } from '../schemas.js';
import { errorResult, successResult } from '../tool-result.js';

export const registerDeleteRelationsTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'delete_relations',
    {
      title: 'Delete Relations',
      description:
        'Delete multiple relations from the knowledge graph. Each must match from, to and relationType ' +
        'exactly; relations that do not exist are ignored.',
      inputSchema: { relations: z.array(RelationSchema).describe('An array of relations to delete') },
      outputSchema: { success: z.boolean(), message: z.string() },
      annotations: DESTRUCTIVE,
    },
    async ({ relations }) => {
      try {
        await deleteRelations(deps.sql, relations);
        return successResult('Relations deleted successfully');
      } catch (error) {
        return errorResult(error, 'delete_relations', deps.logger);
      }
    },
  );
};
