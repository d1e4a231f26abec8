import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKeys } from '../../../../bridge/api/api-keys.js';
import { AuditLog } from '../../../../bridge/api/audit-log.js';
import { guardMcpEndpoint } from '../../../../bridge/api/guard-mcp-endpoint.js';
import { observeMcpCalls } from '../../../../bridge/api/observe-mcp-calls.js';
import { ToolCallEvents } from '../../../../bridge/api/tool-call-events.js';
import {
  createFrontHttpHandler,
  type FrontHttpHandler,
} from '../../../../bridge/front/front-http-handler.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../stores/sql/migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { composeEverythingBridge, serveMcpOverHttp } from '../../../support/everything-bridge.js';

// /mcp as switchyard start mounts it — the API's key guard in front of the MCP front — and the
// audit row of a tool call made over it names the key that made the call.

const KEY = 'ops-key-0123456789abcdef';

describe('audit rows of calls over /mcp', { timeout: 120_000 }, () => {
  let everything: Awaited<ReturnType<typeof composeEverythingBridge>>;
  let front: FrontHttpHandler;
  let served: Awaited<ReturnType<typeof serveMcpOverHttp>>;
  let sql: Sql;
  let audit: AuditLog;
  let url: URL;

  beforeAll(async () => {
    everything = await composeEverythingBridge('switchyard-mcp-audit-');
    const { bridge } = everything;
    sql = await PgliteSql.open({});
    await migrate(sql, MIGRATIONS);
    audit = new AuditLog(sql, { redact: [] });
    front = createFrontHttpHandler({
      catalog: bridge.catalog,
      hub: bridge.hub,
      ready: bridge.ready,
      observeCall: observeMcpCalls(new ToolCallEvents(), audit),
    });
    let port = 0;
    const guarded = guardMcpEndpoint(front, {
      keys: parseApiKeys([{ name: 'ops', key: KEY, scopes: ['read', 'call'] }]),
      host: '127.0.0.1',
      port: () => port,
    });
    served = await serveMcpOverHttp((req, res) => guarded.handle(req, res));
    port = served.port;
    url = served.url;
  });

  afterAll(async () => {
    await front?.close();
    await served?.close();
    await everything?.close();
    await sql?.close();
  });

  it('names the API key that made the call', async () => {
    const client = new Client({ name: 'audited', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { authorization: `Bearer ${KEY}` } },
      }),
    );
    try {
      await client.callTool({ name: 'everything__echo', arguments: { message: 'who am I' } });
    } finally {
      await client.close();
    }
    await audit.flush();
    const { rows } = await sql.query<{ key_name: string | null; source: string; tool: string }>(
      'SELECT key_name, source, tool FROM audit_tool_calls',
    );
    expect(rows).toEqual([{ key_name: 'ops', source: 'mcp', tool: 'everything__echo' }]);
  });
});
