import { z } from 'zod';
import { deleteObservations } from '../graph-writes.js';
import { DESTRUCTIVE, type RegisterTool } from '../schemas.js';
import { errorResult, successResult } from '../tool-result.js';

export const registerDeleteObservationsTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'delete_observations',
    {
      title: 'Delete Observations',
      description:
        'Delete specific observations from entities in the knowledge graph. Observations (and entities) ' +
        'that do not exist are ignored; the text must match exactly.',
      inputSchema: {
        deletions: z.array(
          z.object({
            entityName: z.string().describe('The name of the entity containing the observations'),
            observations: z.array(z.string()).describe('An array of observations to delete'),
          }),
        ),
      },
      outputSchema: { success: z.boolean(), message: z.string() },
      annotations: DESTRUCTIVE,
    },
    async ({ deletions }) => {
      try {
        const { change } = await deleteObservations(deps.sql, deletions);
        await deps.index.apply(change);
        return successResult('Observations deleted successfully');
      } catch (error) {
        return errorResult(error, 'delete_observations', deps.logger);
      }
    },
  );
};
