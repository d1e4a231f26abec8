import { z } from 'zod';
import { ACCOUNT_SORTS, searchAccounts } from '../account-search.js';
import { ACCOUNT, ACCOUNT_STATUSES, PAYMENT_STATUSES, TIERS } from '../records/record-specs.js';
import { limitSchema, READ_ONLY, recordOutputSchema, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerSearchAccountsTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'search_accounts',
    {
      title: 'Search accounts',
      description:
        'Finds accounts. `query` matches every word, case-insensitively, in the name, domain, industry and ' +
        "the contacts' names and emails; the other filters narrow further (lists match any of their values). " +
        'Sorted by `sort` (nulls last); page with `offset` (the result gives nextOffset, null on the last page). ' +
        'Each account carries lastActivityAt; call get_account for its contacts, deals, activities and tasks.',
      inputSchema: z.strictObject({
        query: z.string().max(200).optional().describe('Words to match, e.g. "acme" or "jane@acme.com"'),
        status: z.array(z.enum(ACCOUNT_STATUSES)).optional(),
        tier: z.array(z.enum(TIERS)).optional(),
        paymentStatus: z.array(z.enum(PAYMENT_STATUSES)).optional(),
        owner: z.string().min(1).optional().describe('Exact owner'),
        industry: z.string().min(1).optional().describe('Industry (case-insensitive, exact)'),
        region: z.string().min(1).optional().describe('Region (case-insensitive, exact)'),
        minRevenue: z.number().min(0).optional(),
        maxRevenue: z.number().min(0).optional(),
        sort: z.enum(ACCOUNT_SORTS).default('name'),
        order: z.enum(['asc', 'desc']).default('asc'),
        limit: limitSchema(100, 20),
        offset: z.number().int().min(0).max(1_000_000).default(0),
      }),
      outputSchema: z.object({
        accounts: z.array(recordOutputSchema(ACCOUNT).extend({ lastActivityAt: z.string().nullable() })),
        total: z.number().int().describe('Accounts matching, over all pages'),
        offset: z.number().int(),
        nextOffset: z.number().int().nullable(),
      }),
      annotations: READ_ONLY,
    },
    async (search) => {
      try {
        return dataResult({ ...(await searchAccounts(deps.sql, search)) });
      } catch (error) {
        return errorResult(error, 'search_accounts', deps.logger);
      }
    },
  );
};
