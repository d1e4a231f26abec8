import { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { createServer } from '../../../../mcp-servers/crm/create-server.js';
import { silentLogger } from '../../../../core/logger.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { connectInMemory, dataOf, textOf } from '../../../support/in-memory-mcp.js';

/** The real crm server on a migrated SQL store, with an SDK client linked in memory. */
export interface ConnectedCrm {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool that must succeed and returns its structured content. */
  data<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export async function connectCrm(sql: Sql, options: { now?: () => Date } = {}): Promise<ConnectedCrm> {
  await migrate(sql, MIGRATIONS);
  const connection = await connectInMemory(
    createServer({ sql, logger: silentLogger, now: options.now }),
    new Client({ name: 'crm-test', version: '1.0.0' }),
  );
  return {
    client: connection.client,
    call: connection.call,
    data: async <T>(name: string, args: Record<string, unknown> = {}) =>
      dataOf<T>(await connection.call(name, args)),
    close: connection.close,
  };
}

export interface RecordData {
  id: string;
  version: number;
  owner: string;
  [field: string]: unknown;
}

export { dataOf, textOf };
