import { McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '#core';
import type { CreatedServer } from '#runtime/mcp';
import type { Sql } from '#stores/sql';
import { registerAccountResources } from './account-resources.js';
import { registerAccountReviewPrompt } from './account-review-prompt.js';
import { RECORD_SPECS } from './records/record-specs.js';
import type { CrmToolDeps, RegisterTool } from './schemas.js';
import { registerAccountHealthTool } from './tools/account-health-tool.js';
import { registerCreateRecordTool } from './tools/create-record-tool.js';
import { registerGetAccountTool } from './tools/get-account-tool.js';
import { registerListChangesTool } from './tools/list-changes-tool.js';
import { registerSearchAccountsTool } from './tools/search-accounts-tool.js';
import { registerUpdateRecordTool } from './tools/update-record-tool.js';

export const SERVER_NAME = 'switchyard-crm';
/** Kept equal to package.json's version (importing package.json would pull it into the build's rootDir). */
export const SERVER_VERSION = '0.1.0';

const READ_TOOLS: readonly RegisterTool[] = [
  registerSearchAccountsTool,
  registerGetAccountTool,
  registerAccountHealthTool,
  registerListChangesTool,
];

/**
 * The crm server: accounts, contacts, deals, activities, notes and tasks in the SQL store.
 * `sql` must be migrated (migration 3, crm) and is owned by the caller (cleanup does not close it).
 * Several instances and processes may share one database: every write is one transaction and
 * updates are guarded by record versions.
 */
export function createServer(deps: {
  sql: Sql;
  logger: Logger;
  /** @defaultValue the system clock */
  now?: () => Date;
}): CreatedServer {
  const toolDeps: CrmToolDeps = { sql: deps.sql, logger: deps.logger, now: deps.now ?? (() => new Date()) };
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      instructions:
        'A CRM: accounts and their contacts, deals, activities, notes and tasks. Find accounts with ' +
        'search_accounts, read one with get_account, assess it with account_health. Every record has a ' +
        'version: updates must pass the version they read (expectedVersion). Creates accept an idempotencyKey ' +
        'so retries never duplicate. list_changes feeds a sync.',
    },
  );
  for (const register of READ_TOOLS) register(server, toolDeps);
  for (const spec of Object.values(RECORD_SPECS)) {
    // An activity is logged rather than created: the verb users and models reach for.
    registerCreateRecordTool(server, toolDeps, spec, spec.type === 'activity' ? 'log_activity' : undefined);
    registerUpdateRecordTool(server, toolDeps, spec);
  }
  registerAccountResources(server, toolDeps);
  registerAccountReviewPrompt(server);
  return { server, cleanup: async () => {} };
}
