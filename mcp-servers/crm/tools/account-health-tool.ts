import { z } from 'zod';
import { accountHealth } from '../account-health.js';
import { idSchema } from '../records/record-spec.js';
import { ACCOUNT } from '../records/record-specs.js';
import { READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerAccountHealthTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'account_health',
    {
      title: 'Account health',
      description:
        "Assesses an account's risk of being lost: days since the last activity, open deal value, deals past " +
        'their close date, overdue tasks, payment status and recent negative sentiment, with a risk score from ' +
        '0 (healthy) to 100 and the factors that produced it (each with its points and the reason). ' +
        'riskLevel is high from 60, medium from 30.',
      inputSchema: z.strictObject({ id: idSchema(ACCOUNT) }),
      outputSchema: z.object({
        accountId: z.string(),
        accountName: z.string(),
        asOf: z.string().describe('The day the assessment is for (UTC)'),
        status: z.string(),
        paymentStatus: z.string(),
        lastActivityAt: z.string().nullable(),
        daysSinceLastActivity: z.number().int().nullable(),
        openDeals: z.number().int(),
        openDealValue: z.number(),
        slippedDeals: z.number().int(),
        overdueTasks: z.number().int(),
        activitiesLast90Days: z.number().int(),
        negativeActivitiesLast90Days: z.number().int(),
        riskScore: z.number().int().min(0).max(100),
        riskLevel: z.enum(['low', 'medium', 'high']),
        factors: z.array(z.object({ factor: z.string(), points: z.number().int(), detail: z.string() })),
      }),
      annotations: READ_ONLY,
    },
    async ({ id }) => {
      try {
        return dataResult({ ...(await accountHealth(deps.sql, id, deps.now())) });
      } catch (error) {
        return errorResult(error, 'account_health', deps.logger);
      }
    },
  );
};
