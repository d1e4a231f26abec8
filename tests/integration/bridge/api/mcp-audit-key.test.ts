import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKeys } from '../../../../bridge/api/api-keys.js';
import { AuditLog } from '../../../../bridge/api/audit-log.js';
import { guardMcpEndpoint } from '../../../../bridge/api/guard-mcp-endpoint.js';
import { observeMcpCalls } from '../../../../bridge/api/observe-mcp-calls.js';
import { ToolCallEvents } from '../../../../bridge/api/tool-call-events.js';
import { type ComposedBridge, composeBridge } from '../../../../bridge/compose-bridge.js';
import {
  createFrontHttpHandler,
  type FrontHttpHandler,
} from '../../../../bridge/front/front-http-handler.js';
import { ConfigSchema } from '../../../../runtime/config/config-schema.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../stores/sql/migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';

// /mcp as switchyard start mounts it — the API's key guard in front of the MCP front — and the
// audit row of a tool call made over it names the key that made the call.

const EVERYTHING = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);
const KEY = 'ops-key-0123456789abcdef';

describe('audit rows of calls over /mcp', { timeout: 120_000 }, () => {
  let home: string;
  let bridge: ComposedBridge;
  let front: FrontHttpHandler;
  let http: HttpServer;
  let sql: Sql;
  let audit: AuditLog;
  let url: URL;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'switchyard-mcp-audit-'));
    const config = {
      ...ConfigSchema.parse({
        mcpServers: { everything: { command: process.execPath, args: [EVERYTHING], pingIntervalMs: 0 } },
      }),
      home,
    };
    bridge = await composeBridge({ config });
    await bridge.ready;
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
    http = createServer((req, res) => {
      guarded.handle(req, res).catch((error: unknown) => res.destroy(error as Error));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    port = (http.address() as AddressInfo).port;
    url = new URL(`http://127.0.0.1:${port}/mcp`);
  });

  afterAll(async () => {
    await front?.close();
    http?.closeAllConnections();
    await new Promise((resolve) => http?.close(resolve));
    await bridge?.close();
    await sql?.close();
    if (home) rmSync(home, { recursive: true, force: true });
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
