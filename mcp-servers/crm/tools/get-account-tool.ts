import { z } from 'zod';
import { getAccountOverview, MAX_CONTACTS_LISTED } from '../account-overview.js';
import { idSchema } from '../records/record-spec.js';
import { ACCOUNT, ACTIVITY, CONTACT, DEAL, NOTE, TASK } from '../records/record-specs.js';
import { limitSchema, READ_ONLY, recordOutputSchema, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerGetAccountTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'get_account',
    {
      title: 'Get account',
      description:
        `Reads one account with its contacts (up to ${MAX_CONTACTS_LISTED}), open deals, most recent activities, ` +
        'open tasks (soonest due first), most recent notes, and how many records of each kind it has. Every ' +
        'record carries its version, which an update must name. Call account_health for a risk assessment.',
      inputSchema: z.strictObject({
        id: idSchema(ACCOUNT),
        activities: limitSchema(100, 10).describe('How many recent activities (default 10, at most 100)'),
        notes: limitSchema(50, 5).describe('How many recent notes (default 5, at most 50)'),
      }),
      outputSchema: z.object({
        account: recordOutputSchema(ACCOUNT),
        contacts: z.array(recordOutputSchema(CONTACT)),
        openDeals: z.array(recordOutputSchema(DEAL)),
        recentActivities: z.array(recordOutputSchema(ACTIVITY)),
        openTasks: z.array(recordOutputSchema(TASK)),
        recentNotes: z.array(recordOutputSchema(NOTE)),
        counts: z.record(z.string(), z.number().int()),
      }),
      annotations: READ_ONLY,
    },
    async ({ id, activities, notes }) => {
      try {
        return dataResult({ ...(await getAccountOverview(deps.sql, id, { activities, notes })) });
      } catch (error) {
        return errorResult(error, 'get_account', deps.logger);
      }
    },
  );
};
