import { z } from 'zod';
import { EntitySchema, RelationSchema } from '../graph-types.js';
import { getRelated } from '../get-related.js';
import { READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

/** Bounds the answer a model receives; past it the walk stops and says `truncated`. */
const MAX_ENTITIES = 500;

export const registerGetRelatedTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'get_related',
    {
      title: 'Get related entities',
      description:
        "An entity's neighbourhood: the entities reachable over relations within `depth` hops, with " +
        "their observations, the relations walked, and each one's distance in hops. `direction` follows " +
        'relations out of an entity ("outgoing"), into it ("incoming") or both (default).',
      inputSchema: {
        name: z.string().describe('The entity to start from (exact name)'),
        depth: z.number().int().min(1).max(5).default(1).describe('Hops to follow, 1–5 (default 1)'),
        direction: z.enum(['outgoing', 'incoming', 'both']).default('both'),
        relationTypes: z.array(z.string()).min(1).optional().describe('Follow only these relation types'),
      },
      outputSchema: {
        entities: z.array(EntitySchema),
        relations: z.array(RelationSchema),
        distances: z.record(z.string(), z.number().int()),
        truncated: z.boolean().describe(`True when more than ${MAX_ENTITIES} entities were reachable`),
      },
      annotations: READ_ONLY,
    },
    async ({ name, depth, direction, relationTypes }) => {
      try {
        const related = await getRelated(deps.sql, {
          name,
          depth,
          direction,
          maxEntities: MAX_ENTITIES,
          ...(relationTypes ? { relationTypes } : {}),
        });
        return dataResult(related, { ...related });
      } catch (error) {
        return errorResult(error, 'get_related', deps.logger);
      }
    },
  );
};
