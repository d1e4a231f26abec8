import { z } from 'zod';
import { RelationSchema } from '../graph-types.js';
import { createRelations } from '../graph-writes.js';
import { ADDITIVE, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerCreateRelationsTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'create_relations',
    {
      title: 'Create Relations',
      description:
        'Create multiple new relations between entities in the knowledge graph. Relations should be in ' +
        'active voice ("Alice works_at Acme"). A relation that exists is not added twice; returns the ones created.',
      inputSchema: { relations: z.array(RelationSchema) },
      outputSchema: { relations: z.array(RelationSchema) },
      annotations: ADDITIVE,
    },
    async ({ relations }) => {
      try {
        const { result } = await createRelations(deps.sql, relations);
        return dataResult(result, { relations: result });
      } catch (error) {
        return errorResult(error, 'create_relations', deps.logger);
      }
    },
  );
};
