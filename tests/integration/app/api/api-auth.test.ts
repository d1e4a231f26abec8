import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiOptions } from '../../../../app/api/api-options.js';
import { createApi } from '../../../../app/api/create-api.js';
import { ConfigError } from '../../../../core/errors.js';
import { type ApiHarness, bearer, createApiHarness, recordingSql } from './api-harness.js';

const READER = 'a59435e96e27bd9a336501c502375489a733ab1dbbf3178d';
const CALLER = '7fcb26cb20a206d8d43bd173b5ca5e3a8622e22a9fb5ef79';
const HASHED = '62c5559717da6012427d84b732fdf7292e3426e5a620fd08';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const KEYS: ApiOptions['keys'] = [
  { name: 'reader', key: READER, scopes: ['read'] },
  { name: 'caller', key: CALLER, scopes: ['read', 'call'] },
  { name: 'hashed', key: `sha256:${sha256(HASHED)}`, scopes: ['call'] },
];

let harness: ApiHarness;
let app: FastifyInstance | undefined;
beforeAll(async () => {
  harness = await createApiHarness();
});
afterAll(() => harness.close());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const open = async (options: ApiOptions) => {
  app = await createApi({ catalog: harness.catalog, fleet: harness.fleet, sql: recordingSql(), options });
  return app;
};
const callEcho = (api: FastifyInstance, key?: string) =>
  api.inject({
    method: 'POST',
    url: '/v1/tools/main__echo/call',
    payload: {},
    ...(key ? { headers: bearer(key) } : {}),
  });

describe('API keys and scopes', () => {
  it('answers 401 without a key and with a wrong one, and leaves /health open', async () => {
    const api = await open({ keys: KEYS });
    const missing = await api.inject('/v1/tools');
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(missing.json().error.message).toMatch(/API key is required/);
    const wrong = await api.inject({ url: '/v1/tools', headers: bearer('not-a-key-0123456789') });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe('the API key is not valid');
    expect((await api.inject({ url: '/v1/tools', headers: { authorization: READER } })).statusCode).toBe(401);
    expect((await api.inject('/health')).statusCode).toBe(200);
  });

  it('answers 403 naming the missing scope, and lets a key use its scopes', async () => {
    const api = await open({ keys: KEYS });
    expect((await api.inject({ url: '/v1/tools', headers: bearer(READER) })).statusCode).toBe(200);
    const forbidden = await callEcho(api, READER);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.message).toBe("API key 'reader' lacks the 'call' scope");
    expect((await callEcho(api, CALLER)).statusCode).toBe(200);
  });

  it('accepts a key configured as its sha256 digest', async () => {
    const api = await open({ keys: KEYS });
    expect((await callEcho(api, HASHED)).statusCode).toBe(200);
    // The digest itself is not a key.
    expect((await callEcho(api, `sha256:${sha256(HASHED)}`)).statusCode).toBe(401);
    // That key has no read scope.
    expect((await api.inject({ url: '/v1/servers', headers: bearer(HASHED) })).statusCode).toBe(403);
  });

  it('refuses to start without keys on a host that is not loopback', async () => {
    await expect(open({ host: '0.0.0.0' })).rejects.toThrow(ConfigError);
    await expect(open({ host: '192.168.1.10' })).rejects.toThrow(
      /no keys configured and would listen on 192\.168\.1\.10/,
    );
    await expect(open({ host: 'localhost' })).rejects.toThrow(ConfigError);
    for (const host of ['127.0.0.1', '::1']) {
      const api = await open({ host });
      expect((await callEcho(api)).statusCode).toBe(200);
      await api.close();
    }
    const keyed = await open({ host: '0.0.0.0', keys: KEYS });
    expect((await keyed.inject('/v1/tools')).statusCode).toBe(401);
  });
});

describe('rate limits', () => {
  it('answers 429 with retry-after past the limit, counted per key', async () => {
    const api = await open({ keys: KEYS, rateLimit: { max: 2, timeWindowMs: 60_000 } });
    const get = (key: string) => api.inject({ url: '/v1/servers', headers: bearer(key) });
    expect((await get(READER)).statusCode).toBe(200);
    expect((await get(READER)).statusCode).toBe(200);
    const limited = await get(READER);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error.code).toBe('rate_limited');
    // Another key has its own budget; /health is not limited.
    expect((await get(CALLER)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await api.inject('/health')).statusCode).toBe(200);
  });

  it('limits per IP when the API has no keys', async () => {
    const api = await open({ rateLimit: { max: 1, timeWindowMs: 60_000 } });
    expect((await api.inject('/v1/servers')).statusCode).toBe(200);
    const limited = await api.inject('/v1/servers');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    const other = await api.inject({ url: '/v1/servers', remoteAddress: '127.0.0.2' });
    expect(other.statusCode).toBe(200);
  });
});
