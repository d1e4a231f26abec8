import { request } from 'node:http';
import { McpServer } from '@modelcontextprotocol/server';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerFactory } from '../../../../runtime/mcp/created-server.js';
import { type HttpHandle, type ServeHttpOptions, serveHttp } from '../../../../runtime/mcp/serve-http.js';
import { captureLogger } from '../../../support/capture-logger.js';
import { createEchoServer } from '../../../support/echo-server.js';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const TOKEN = '4f0a9c2e7b1d58e3a6c90f2b7d4e1a85';

let handle: HttpHandle | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await handle?.close();
  handle = undefined;
});

/** Serves `factory` (the echo server by default) on a free loopback port; counts cleanups. */
async function start(options: Partial<ServeHttpOptions> = {}, factory?: ServerFactory) {
  const { logger, lines } = captureLogger();
  const counts = { created: 0, cleaned: 0 };
  const counting: ServerFactory = async () => {
    counts.created += 1;
    const created = await (factory ?? (() => createEchoServer()))();
    return {
      server: created.server,
      cleanup: async () => {
        counts.cleaned += 1;
        await created.cleanup();
      },
    };
  };
  handle = await serveHttp(counting, { logger, port: 0, ...options });
  return { handle, lines, counts };
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body });
}

/** Polls `condition` with a bound: for effects of real timers and sockets that have no event to await. */
async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('serveHttp', () => {
  it('runs a session: initialize, a tool call, then DELETE ends it and cleans up its instance', async () => {
    const { handle, lines, counts } = await start();
    expect(handle.url).toBe(`http://127.0.0.1:${handle.port}/mcp`);
    const client = await connect(handle.url);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(result.structuredContent).toEqual({ text: 'hi' });
    expect(handle.sessionCount).toBe(1);
    const transport = client.transport as StreamableHTTPClientTransport;
    const sessionId = transport.sessionId;
    await transport.terminateSession();
    await eventually(() => counts.cleaned === 1);
    expect(handle.sessionCount).toBe(0);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'mcp session started', sessionId }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'mcp session ended', sessionId }));
  });

  it('answers 404 with a JSON-RPC error for an unknown session id, so clients re-initialize', async () => {
    const { handle } = await start();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const response = await post(handle.url, body, { 'mcp-session-id': 'no-such-session' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32001 }, id: null });
    const get = await fetch(handle.url, { headers: { 'mcp-session-id': 'no-such-session' } });
    expect(get.status).toBe(404);
  });

  it('answers 400 to a request other than initialize without a session id', async () => {
    const { handle, counts } = await start();
    const response = await post(handle.url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: -32000 } });
    expect((await fetch(handle.url, { method: 'DELETE' })).status).toBe(400);
    expect(counts.created).toBe(0);
  });

  it('refuses a foreign Origin with 403 and accepts listed and loopback origins', async () => {
    const { handle } = await start({ allowedOrigins: ['https://app.example.com'] });
    const body = JSON.stringify(INITIALIZE);
    const foreign = await post(handle.url, body, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await post(handle.url, body, { origin: 'null' })).status).toBe(403);
    expect((await post(handle.url, body, { origin: 'https://app.example.com' })).status).toBe(200);
    expect((await post(handle.url, body, { origin: `http://localhost:${handle.port}` })).status).toBe(200);
    expect((await post(handle.url, body)).status).toBe(200);
  });

  it('refuses a Host header that is not a loopback name when bound to loopback (DNS rebinding)', async () => {
    const { handle } = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        handle.url,
        { method: 'POST', headers: { ...JSON_HEADERS, host: `rebound.example:${handle.port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(INITIALIZE));
    });
    expect(status).toBe(421);
  });

  it('requires the bearer token when one is set: 401 with WWW-Authenticate without it, 200 with it', async () => {
    const { handle } = await start({ bearerToken: TOKEN });
    const body = JSON.stringify(INITIALIZE);
    const missing = await post(handle.url, body);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await post(handle.url, body, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await post(handle.url, body, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const client = await connect(handle.url, { authorization: `Bearer ${TOKEN}` });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
  });

  it('answers 413 to a body over maxBodyBytes and creates no session', async () => {
    const { handle, counts } = await start({ maxBodyBytes: 1024 });
    const big = JSON.stringify({
      ...INITIALIZE,
      params: { ...INITIALIZE.params, padding: 'x'.repeat(4096) },
    });
    const response = await post(handle.url, big);
    expect(response.status).toBe(413);
    expect(counts.created).toBe(0);
    expect((await post(handle.url, JSON.stringify(INITIALIZE))).status).toBe(200);
  });

  it('answers malformed JSON with 400 and a JSON-RPC parse error (-32700)', async () => {
    const { handle } = await start();
    const response = await post(handle.url, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 }, id: null });
  });

  it('gives each session its own server instance', async () => {
    // A server with per-instance state: `next` counts calls on this instance only.
    const counter: ServerFactory = () => {
      const server = new McpServer({ name: 'counter', version: '1' });
      let calls = 0;
      server.registerTool(
        'next',
        { description: 'counts', annotations: { readOnlyHint: false } },
        async () => ({
          content: [{ type: 'text', text: String(++calls) }],
        }),
      );
      return { server, cleanup: async () => undefined };
    };
    const { handle, counts } = await start({}, counter);
    const [a, b] = await Promise.all([connect(handle.url), connect(handle.url)]);
    const text = async (client: Client) =>
      ((await client.callTool({ name: 'next' })).content as Array<{ text: string }>)[0]?.text;
    expect([await text(a), await text(a), await text(a)]).toEqual(['1', '2', '3']);
    expect(await text(b)).toBe('1');
    expect(counts.created).toBe(2);
    await (a.transport as StreamableHTTPClientTransport).terminateSession();
    expect(await text(b)).toBe('2');
  });

  it('close() ends every session, cleans up every instance and stops listening', async () => {
    const { handle, counts, lines } = await start();
    await Promise.all([connect(handle.url), connect(handle.url), connect(handle.url)]);
    expect(handle.sessionCount).toBe(3);
    await handle.close();
    expect(counts.cleaned).toBe(3);
    expect(handle.sessionCount).toBe(0);
    expect(lines.filter((l) => l.msg === 'mcp session ended')).toHaveLength(3);
    await expect(post(handle.url, JSON.stringify(INITIALIZE))).rejects.toThrow();
  });

  it('ends a session that stays idle longer than the TTL', async () => {
    // A real (short) TTL: the point is that the server's own timer fires between real requests.
    const { handle, counts, lines } = await start({ sessionIdleTtlMs: 150 });
    const client = await connect(handle.url);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId;
    // The SDK client keeps a GET stream open, which is activity; close it to let the session idle.
    await client.close();
    await eventually(() => counts.cleaned === 1);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'mcp session ended', sessionId, reason: 'idle' }),
    );
    const body = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect((await post(handle.url, body, { 'mcp-session-id': sessionId ?? '' })).status).toBe(404);
  });
});
