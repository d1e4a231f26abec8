import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../../app/api/audit-log.js';
import { createApi } from '../../../../app/api/create-api.js';
import { observeMcpCalls } from '../../../../app/api/observe-mcp-calls.js';
import { ToolCallEvents } from '../../../../app/api/tool-call-events.js';
import {
  createFrontHttpHandler,
  type FrontHttpHandler,
} from '../../../../bridge/front/front-http-handler.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { composeEverythingBridge } from '../../../support/everything-bridge.js';

// /mcp as switchyard start mounts it — the API's Host, key and limit checks in front of the MCP
// front — with server-everything as the upstream: audit rows name the key and the operation,
// a session belongs to the key that opened it, and a key's sessions are capped.

const OPS = '7f3c1e9a52b84d06a1e2c3b4d5f60718293a4b5c6d7e8f90';
const GUEST = 'c0ffee4271b35d96e8a0f1b2c3d4e5f60a1b2c3d4e5f6a7b';

describe('/mcp behind the API', { timeout: 120_000 }, () => {
  let everything: Awaited<ReturnType<typeof composeEverythingBridge>>;
  let front: FrontHttpHandler;
  let api: FastifyInstance;
  let sql: Sql;
  let audit: AuditLog;
  let url: URL;
  const clients: Client[] = [];

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
      maxSessionsPerKey: 2,
    });
    api = await createApi({
      catalog: bridge.catalog,
      fleet: bridge.fleet,
      sql,
      audit,
      options: {
        keys: [
          { name: 'ops', key: OPS, scopes: ['read', 'call'] },
          { name: 'guest', key: GUEST, scopes: ['read', 'call'] },
          { name: 'watcher', key: `${GUEST}aa`, scopes: ['read'] },
        ],
        bodyLimitBytes: 64 * 1024,
      },
      mcpHandler: front,
    });
    await api.listen({ host: '127.0.0.1', port: 0 });
    url = new URL(`http://127.0.0.1:${(api.server.address() as { port: number }).port}/mcp`);
  });

  beforeEach(async () => {
    await audit.flush();
    await sql.query('DELETE FROM audit_tool_calls');
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await front?.close();
    await api?.close();
    await everything?.close();
    await sql?.close();
  });

  async function connect(key: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const client = new Client({ name: 'audited', version: '1' });
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    });
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  }

  const post = (key: string | undefined, body: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      body,
    });

  it('names the API key that made a tool call', async () => {
    const { client } = await connect(OPS);
    await client.callTool({ name: 'everything__echo', arguments: { message: 'who am I' } });
    await audit.flush();
    const { rows } = await sql.query<{
      key_name: string | null;
      source: string;
      tool: string;
      operation: string;
    }>('SELECT key_name, source, tool, operation FROM audit_tool_calls');
    expect(rows).toEqual([
      { key_name: 'ops', source: 'mcp', tool: 'everything__echo', operation: 'tools/call' },
    ]);
  });

  it('audits resource reads, prompt gets and completions with their operation and key', async () => {
    const { client } = await connect(OPS);
    const uri = 'demo://resource/static/document/architecture.md';
    await client.readResource({ uri });
    await client.getPrompt({ name: 'everything__args-prompt', arguments: { city: 'Lyon' } });
    await client.complete({
      ref: { type: 'ref/prompt', name: 'everything__completable-prompt' },
      argument: { name: 'department', value: 'En' },
    });
    await audit.flush();
    const { rows } = await sql.query<{ operation: string; tool: string; key_name: string; outcome: string }>(
      'SELECT operation, tool, key_name, outcome FROM audit_tool_calls ORDER BY id',
    );
    expect(rows).toEqual([
      { operation: 'resources/read', tool: uri, key_name: 'ops', outcome: 'ok' },
      { operation: 'prompts/get', tool: 'everything__args-prompt', key_name: 'ops', outcome: 'ok' },
      {
        operation: 'completion/complete',
        tool: 'everything__completable-prompt',
        key_name: 'ops',
        outcome: 'ok',
      },
    ]);
  });

  it("answers 404 to another key that presents a session's id, and serves its owner", async () => {
    const { client, transport } = await connect(OPS);
    const sessionId = transport.sessionId!;
    const list = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' });
    const stolen = await post(GUEST, list, {
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
    });
    expect(stolen.status).toBe(404);
    expect(await stolen.json()).toMatchObject({ error: { code: -32001 } });
    // The owner's session is untouched by the attempt.
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('checks the key before reading the body: no key gets 401, not 413, for a body over the limit', async () => {
    const huge = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'ping',
      params: { pad: 'x'.repeat(200_000) },
    });
    const anonymous = await post(undefined, huge);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    const keyed = await post(OPS, huge);
    expect(keyed.status).toBe(413);
  });

  it('refuses a key without the call scope, in JSON-RPC', async () => {
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'w', version: '1' } },
    });
    const answer = await post(`${GUEST}aa`, init);
    expect(answer.status).toBe(403);
    expect(await answer.json()).toMatchObject({
      error: { message: expect.stringMatching(/lacks the 'call' scope/) },
    });
  });

  it("closes a key's oldest idle session when it opens one past the cap, and leaves other keys' alone", async () => {
    const { transport: first } = await connect(GUEST);
    const { client: second } = await connect(GUEST);
    const { client: ops } = await connect(OPS);
    const { client: third } = await connect(GUEST);
    const list = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    const gone = await post(GUEST, list, {
      'mcp-session-id': first.sessionId!,
      'mcp-protocol-version': '2025-11-25',
    });
    expect(gone.status).toBe(404);
    for (const client of [second, third, ops])
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });
});
