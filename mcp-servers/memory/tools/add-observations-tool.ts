import { z } from 'zod';
import { EntityNotFoundError } from '../graph-types.js';
import { addObservations } from '../graph-writes.js';
import { ADDITIVE, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerAddObservationsTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'add_observations',
    {
      title: 'Add Observations',
      description:
        'Add new observations to existing entities in the knowledge graph. Observations an entity ' +
        'already has are skipped; if any entity does not exist nothing is added (create it first).',
      inputSchema: {
        observations: z.array(
          z.object({
            entityName: z.string().describe('The name of the entity to add the observations to'),
            contents: z.array(z.string()).describe('An array of observation contents to add'),
          }),
        ),
      },
      outputSchema: {
        results: z.array(z.object({ entityName: z.string(), addedObservations: z.array(z.string()) })),
      },
      annotations: ADDITIVE,
    },
    async ({ observations }) => {
      try {
        const { result, change } = await addObservations(deps.sql, observations);
        await deps.index.apply(change);
        return dataResult(result, { results: result });
      } catch (error) {
        // "Entity with name X not found", exactly as the reference says it: prompts may match on it.
        return errorResult(error, 'add_observations', deps.logger, {
          exact: error instanceof EntityNotFoundError,
        });
      }
    },
  );
};
