import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../../../app/api/create-api.js';
import type { McpHttpHandler } from '../../../../app/api/mcp-mount.js';
import { type ApiHarness, createApiHarness, recordingSql } from './api-harness.js';

// The routes over a fleet of in-memory servers, through app.inject(); the API is open (no keys,
// loopback). SQL is the recording twin here: api-audit.test.ts runs the SQL side on both drivers.

let harness: ApiHarness;
let app: FastifyInstance;
beforeAll(async () => {
  harness = await createApiHarness();
});
afterAll(() => harness.close());
afterEach(() => app?.close());

const open = async (extra: Partial<Parameters<typeof createApi>[0]> = {}) => {
  app = await createApi({ catalog: harness.catalog, fleet: harness.fleet, sql: recordingSql(), ...extra });
  return app;
};

const call = (api: FastifyInstance, name: string, body: unknown) =>
  api.inject({ method: 'POST', url: `/v1/tools/${name}/call`, payload: body as object });

describe('the HTTP API routes', () => {
  it('answers /health with 200 and lists the servers and tools', async () => {
    const api = await open();
    expect((await api.inject('/health')).json()).toEqual({ status: 'ok' });
    const servers = (await api.inject('/v1/servers')).json<{
      servers: Array<{ name: string; state: string }>;
    }>();
    expect(servers.servers.map((s) => [s.name, s.state])).toEqual([
      ['flaky', 'ready'],
      ['main', 'ready'],
    ]);
    const tools = (await api.inject('/v1/tools')).json<{ tools: Array<Record<string, unknown>> }>();
    expect(tools.tools.find((t) => t.name === 'main__echo')).toMatchObject({
      server: 'main',
      description: 'Echoes its arguments.',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
      annotations: { readOnlyHint: true },
      available: true,
      state: 'ready',
    });
  });

  it('calls a tool and answers its result', async () => {
    const response = await call(await open(), 'main__echo', { arguments: { text: 'hi' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ result: { content: [{ type: 'text', text: '{"text":"hi"}' }] } });
  });

  it('calls a tool with an empty JSON body with empty arguments; without a content type it is refused', async () => {
    const api = await open();
    const response = await api.inject({
      method: 'POST',
      url: '/v1/tools/main__echo/call',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().result.content[0].text).toBe('{}');
    const bare = await api.inject({ method: 'POST', url: '/v1/tools/main__echo/call' });
    expect(bare.statusCode).toBe(415);
  });

  it('relays an isError result with 200', async () => {
    const response = await call(await open(), 'main__fail', {});
    expect(response.statusCode).toBe(200);
    expect(response.json().result).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'the account is locked' }],
    });
  });

  it("answers 404 with the catalog's message for an unknown tool", async () => {
    const response = await call(await open(), 'main__ecko', {});
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: 'not_found' });
    expect(response.json().error.message).toMatch(
      /tool 'main__ecko' does not exist; did you mean 'main__echo'/,
    );
  });

  it('answers 400 for a body that is not an object, or arguments that are not one', async () => {
    const api = await open();
    for (const body of [[1, 2], { arguments: 'x' }, { arguments: [1] }]) {
      const response = await call(api, 'main__echo', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toBe('validation_failed');
    }
    const text = await api.inject({
      method: 'POST',
      url: '/v1/tools/main__echo/call',
      headers: { 'content-type': 'application/json' },
      payload: '"just a string"',
    });
    expect(text.statusCode).toBe(400);
    const nothing = await api.inject({
      method: 'POST',
      url: '/v1/tools/main__echo/call',
      headers: { 'content-type': 'application/json' },
      payload: 'null',
    });
    expect(nothing.statusCode).toBe(400);
  });

  it('answers 413 past the body limit', async () => {
    const api = await open({ options: { bodyLimitBytes: 1024 } });
    const response = await call(api, 'main__echo', { arguments: { text: 'x'.repeat(2000) } });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it('serves the OpenAPI document listing the routes, and the docs page', async () => {
    const api = await open();
    const doc = (await api.inject('/openapi.json')).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/ready',
        '/metrics',
        '/v1/servers',
        '/v1/tools',
        '/v1/tools/{name}/call',
        '/v1/events',
      ]),
    );
    const docs = await api.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });

  it('counts calls in the metrics with server, tool and outcome labels', async () => {
    const api = await open();
    await call(api, 'main__echo', {});
    await call(api, 'main__echo', {});
    await call(api, 'main__fail', {});
    const response = await api.inject('/metrics');
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    const text = response.body;
    expect(text).toContain('switchyard_tool_calls_total{server="main",tool="main__echo",outcome="ok"} 2');
    expect(text).toContain(
      'switchyard_tool_calls_total{server="main",tool="main__fail",outcome="tool_error"} 1',
    );
    expect(text).toContain(
      'switchyard_tool_call_errors_total{server="main",tool="main__fail",kind="tool_error"} 1',
    );
    expect(text).toContain('switchyard_tool_call_duration_seconds_count{server="main",tool="main__echo"} 2');
    expect(text).toContain('switchyard_upstream_state{server="main",state="ready"} 1');
    expect(text).toContain('switchyard_upstream_state{server="main",state="stopped"} 0');
    expect(text).toContain('switchyard_upstream_restarts_total{server="main"} 0');
  });

  it('mounts the MCP handler at /mcp with the raw request and the parsed body', async () => {
    const seen: Array<{ method: string | undefined; body: unknown }> = [];
    const mcpHandler: McpHttpHandler = {
      async handle(req, res, body) {
        seen.push({ method: req.method, body });
        res.writeHead(202, { 'x-front': 'fake' }).end();
      },
    };
    const api = await open({ mcpHandler });
    const post = await api.inject({
      method: 'POST',
      url: '/mcp',
      payload: { jsonrpc: '2.0', method: 'ping', id: 1 },
    });
    expect(post.statusCode).toBe(202);
    expect(post.headers['x-front']).toBe('fake');
    expect((await api.inject({ method: 'DELETE', url: '/mcp' })).statusCode).toBe(202);
    expect(seen).toEqual([
      { method: 'POST', body: { jsonrpc: '2.0', method: 'ping', id: 1 } },
      { method: 'DELETE', body: undefined },
    ]);
  });

  it('has no /mcp route without a handler', async () => {
    expect((await (await open()).inject({ method: 'POST', url: '/mcp', payload: {} })).statusCode).toBe(404);
  });

  it('cancels the upstream call when the client disconnects', async () => {
    const api = await open();
    await api.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.server.address() as AddressInfo;
    const before = harness.cancelled.length;
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/tools/main__slow/call',
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => undefined);
    req.end('{}');
    // The call is under way once the started event... or simply once the server got it: wait for that.
    await vi.waitFor(() => expect(api.switchyard.toolEvents.listenerCount('call')).toBeGreaterThan(0));
    await new Promise((resolve) => setTimeout(resolve, 100));
    req.destroy();
    await vi.waitFor(() => expect(harness.cancelled.length).toBe(before + 1), { timeout: 5000 });
  });

  it('answers 503 naming the server and its state for an unavailable upstream', async () => {
    const api = await open();
    await harness.crash();
    const response = await call(api, 'flaky__probe', {});
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatchObject({
      code: 'upstream_unavailable',
      details: { server: 'flaky' },
    });
    expect(response.json().error.message).toMatch(
      /upstream 'flaky' is unavailable \(state (restarting|crash-loop)/,
    );
    const ready = await api.inject('/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reasons).toEqual([
      expect.stringMatching(/^upstream 'flaky' is (restarting|crash-loop)/),
    ]);
  });
});
