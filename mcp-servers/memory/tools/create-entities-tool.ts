import { z } from 'zod';
import { EntitySchema } from '../graph-types.js';
import { createEntities } from '../graph-writes.js';
import { ADDITIVE, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerCreateEntitiesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'create_entities',
    {
      title: 'Create Entities',
      description:
        'Create multiple new entities in the knowledge graph. An entity whose name exists is left ' +
        'unchanged and not returned (use add_observations to add to it); returns the entities created.',
      inputSchema: { entities: z.array(EntitySchema) },
      outputSchema: { entities: z.array(EntitySchema) },
      annotations: ADDITIVE,
    },
    async ({ entities }) => {
      try {
        const { result, change } = await createEntities(deps.sql, entities);
        await deps.index.apply(change);
        return dataResult(result, { entities: result });
      } catch (error) {
        return errorResult(error, 'create_entities', deps.logger);
      }
    },
  );
};
