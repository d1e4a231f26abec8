import { z } from 'zod';
import { listChanges } from '../records/change-log.js';
import { idSchema, RECORD_TYPES, timestampSchema } from '../records/record-spec.js';
import { ACCOUNT } from '../records/record-specs.js';
import { limitSchema, READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerListChangesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'list_changes',
    {
      title: 'List changes',
      description:
        'Lists created and updated records in the order they were written, each with the fields the write set ' +
        'and the record as it was right after. Start with `since` (a timestamp), then keep the returned ' +
        'nextAfter and pass it as `after` on the next call: that never skips or repeats a change. hasMore says ' +
        'whether to call again at once.',
      inputSchema: z.strictObject({
        since: timestampSchema
          .optional()
          .describe('Changes at or after this instant, e.g. 2026-05-01T00:00:00Z'),
        after: z.number().int().min(0).optional().describe('The nextAfter of the previous call'),
        types: z.array(z.enum(RECORD_TYPES)).optional().describe('Only these record types'),
        accountId: idSchema(ACCOUNT).optional().describe("Only this account's records"),
        limit: limitSchema(500, 100),
      }),
      outputSchema: z.object({
        changes: z.array(
          z.object({
            seq: z.number().int(),
            type: z.enum(RECORD_TYPES),
            id: z.string(),
            accountId: z.string(),
            operation: z.enum(['created', 'updated']),
            version: z.number().int(),
            changedFields: z.array(z.string()),
            changedAt: z.string(),
            record: z.record(z.string(), z.unknown()),
          }),
        ),
        nextAfter: z.number().int().nullable(),
        hasMore: z.boolean(),
      }),
      annotations: READ_ONLY,
    },
    async (input) => {
      try {
        return dataResult({ ...(await listChanges(deps.sql, input)) });
      } catch (error) {
        return errorResult(error, 'list_changes', deps.logger);
      }
    },
  );
};
