import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiOptions } from '../../../../app/api/api-options.js';
import { createApi } from '../../../../app/api/create-api.js';
import { type ApiHarness, bearer, createApiHarness, recordingSql } from './api-harness.js';

// Where a request comes from, checked on every route before anything else (issue 13): the Host
// header against DNS rebinding, a browser's Origin, the content type of writes; failed
// authentications limited per address; and 5xx answers that say nothing of the failure.

const KEY = '1d9e64b0c3a7f25e8b4c6d2a0f1e3b5c7d9a2e4f6b8c0d1e';

let harness: ApiHarness;
let app: FastifyInstance | undefined;
let sql: ReturnType<typeof recordingSql>;
beforeAll(async () => {
  harness = await createApiHarness();
});
afterAll(() => harness.close());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const open = async (options: ApiOptions = {}) => {
  sql = recordingSql();
  app = await createApi({
    catalog: harness.catalog,
    fleet: harness.fleet,
    sql,
    options,
    mcpHandler: {
      handle: async (_req, res) => {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"jsonrpc":"2.0","result":{},"id":1}');
      },
    },
  });
  return app;
};

/** One request of every kind the API serves; each must be refused for a foreign Host. */
const ROUTES = [
  { method: 'GET', url: '/v1/tools' },
  { method: 'GET', url: '/v1/servers' },
  { method: 'POST', url: '/v1/tools/main__echo/call', payload: {} },
  { method: 'POST', url: '/v1/runs/r1/approve', payload: {} },
  { method: 'GET', url: '/docs' },
  { method: 'GET', url: '/metrics' },
  { method: 'GET', url: '/openapi.json' },
  { method: 'GET', url: '/ready' },
  { method: 'GET', url: '/health' },
  { method: 'POST', url: '/mcp', payload: { jsonrpc: '2.0', id: 1, method: 'ping' } },
] as const;

describe('the Host check (DNS rebinding)', () => {
  it('refuses a foreign Host with 421 on every route of an open API, before any work', async () => {
    const api = await open();
    for (const route of ROUTES) {
      const answer = await api.inject({ ...route, headers: { host: 'evil.example:7400' } });
      expect(answer.statusCode, route.url).toBe(421);
      const body = answer.json();
      if (route.url === '/mcp') expect(body).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
      else expect(body.error.code, route.url).toBe('misdirected_request');
    }
    expect(sql.queries).toEqual([]);
  });

  it('serves the loopback names on any port, and names listed in allowedHosts', async () => {
    const api = await open({ allowedHosts: ['bridge.internal'] });
    for (const host of ['localhost:7400', '127.0.0.1:8000', '[::1]:7400', 'bridge.internal:7400'])
      expect((await api.inject({ url: '/v1/tools', headers: { host } })).statusCode, host).toBe(200);
    expect((await api.inject({ url: '/v1/tools', headers: { host: 'other.internal' } })).statusCode).toBe(
      421,
    );
  });

  it('refuses the WebSocket upgrade for a foreign Host and for a foreign Origin', async () => {
    const api = await open();
    await api.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.server.address() as AddressInfo;
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/events`, { headers });
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('error', reject);
      });
    expect(await status({ host: `evil.example:${port}` })).toBe(421);
    expect(await status({ origin: 'http://evil.example' })).toBe(403);
    expect(await status({ origin: `http://127.0.0.1:${port}` })).toBe(101);
  });
});

describe('the Origin check', () => {
  it("refuses another site's page and null, allows the API's own origin and listed ones", async () => {
    const api = await open({ allowedOrigins: ['https://console.example.com'] });
    const call = (origin: string) =>
      api.inject({
        method: 'POST',
        url: '/v1/tools/main__echo/call',
        headers: { host: '127.0.0.1:7400', origin },
        payload: { arguments: { text: 'hi' } },
      });
    for (const origin of ['http://evil.example', 'null', 'http://localhost:8000']) {
      const refused = await call(origin);
      expect(refused.statusCode, origin).toBe(403);
      expect(refused.json().error.code).toBe('origin_not_allowed');
    }
    expect((await call('http://127.0.0.1:7400')).statusCode).toBe(200);
    expect((await call('https://console.example.com')).statusCode).toBe(200);
  });
});

describe('writes take JSON only', () => {
  it('refuses bodies a cross-site form can send (text/plain, form encodings, none) with 415', async () => {
    const api = await open();
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const answer = await api.inject({
        method: 'POST',
        url: '/v1/tools/main__echo/call',
        payload: '{"arguments":{}}',
        headers: contentType === undefined ? {} : { 'content-type': contentType },
      });
      expect(answer.statusCode, String(contentType)).toBe(415);
      expect(answer.json().error.code).toBe('unsupported_media_type');
    }
  });

  it('takes an empty JSON body as no arguments, and refuses a prototype-poisoning key', async () => {
    const api = await open();
    const empty = await api.inject({
      method: 'POST',
      url: '/v1/tools/main__echo/call',
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json().result.content[0].text).toBe('{}');
    const poisoned = await api.inject({
      method: 'POST',
      url: '/v1/tools/main__echo/call',
      payload: '{"arguments":{},"__proto__":{"isAdmin":true}}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(poisoned.statusCode).toBe(400);
  });
});

describe('failed authentication', () => {
  it('answers 429 to an address past its failures, even with the right key; other addresses go on', async () => {
    const api = await open({
      keys: [{ name: 'ops', key: KEY, scopes: ['read', 'call'] }],
      limits: { authFailures: { max: 3, timeWindowMs: 60_000 } },
    });
    const get = (key: string, remoteAddress = '127.0.0.7') =>
      api.inject({ url: '/v1/tools', headers: bearer(key), remoteAddress });
    for (let i = 0; i < 3; i++) expect((await get(`${KEY.slice(1)}x`)).statusCode).toBe(401);
    const limited = await get(KEY);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The guesser cannot reach /mcp either, and never learns whether a guess was right.
    const mcp = await api.inject({
      method: 'POST',
      url: '/mcp',
      headers: bearer(KEY),
      remoteAddress: '127.0.0.7',
      payload: { jsonrpc: '2.0', id: 1, method: 'ping' },
    });
    expect(mcp.statusCode).toBe(429);
    expect((await get(KEY, '127.0.0.8')).statusCode).toBe(200);
  });
});

describe('internal errors', () => {
  it('answer a generic message with the request id; the detail stays in the log', async () => {
    const api = await open();
    const original = harness.catalog.callTool.bind(harness.catalog);
    harness.catalog.callTool = () => Promise.reject(new TypeError('cannot read /srv/secret/db.conf'));
    try {
      const answer = await api.inject({ method: 'POST', url: '/v1/tools/main__echo/call', payload: {} });
      expect(answer.statusCode).toBe(500);
      const { error } = answer.json();
      expect(error.code).toBe('internal');
      expect(error.message).not.toContain('/srv/secret');
      expect(error.message).toContain(String(answer.headers['x-request-id']));
      expect(error.details).toEqual({ requestId: answer.headers['x-request-id'] });
    } finally {
      harness.catalog.callTool = original;
    }
  });
});
