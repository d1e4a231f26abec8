import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseApiKeys } from '../../../../app/config/environment.js';
import { loadConfig } from '../../../../app/config/load-config.js';
import { ConfigError } from '../../../../core/errors.js';

const HEX = 'ab'.repeat(32);

describe('the api config section', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-api-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fills defaults: loopback, port 7400, no keys, a rate limit and the redaction list', () => {
    const { api } = loadConfig({ cwd: dir, env: {} }).config;
    expect(api).toEqual({
      host: '127.0.0.1',
      port: 7400,
      keys: [],
      rateLimit: { max: 600, timeWindowMs: 60_000 },
      redact: ['*token*', '*secret*', '*password*', '*key*', 'authorization'],
      bodyLimitBytes: 1_048_576,
      allowedHosts: [],
      allowedOrigins: [],
      limits: {
        requestTimeoutMs: 30_000,
        headersTimeoutMs: 15_000,
        idleTimeoutMs: 900_000,
        mcpRateLimit: { max: 6_000, timeWindowMs: 60_000 },
        mcpSessionsPerKey: 32,
        authFailures: { max: 20, timeWindowMs: 60_000 },
        socketsPerKey: 16,
        subscriptionsPerSocket: 256,
        messagesPerSecond: 50,
      },
    });
  });

  it('reads keys, host and port from the environment over the file', () => {
    writeFileSync(
      join(dir, 'switchyard.config.json'),
      JSON.stringify({ api: { host: '0.0.0.0', port: 8000, rateLimit: { max: 5 } } }),
    );
    const { api } = loadConfig({
      cwd: dir,
      env: {
        SWITCHYARD_API_PORT: '9000',
        SWITCHYARD_API_KEYS: `ci:0123456789abcdef01:read+call, ops:sha256:${HEX}:admin`,
      },
    }).config;
    expect(api.host).toBe('0.0.0.0');
    expect(api.port).toBe(9000);
    expect(api.rateLimit).toEqual({ max: 5, timeWindowMs: 60_000 });
    expect(api.keys).toEqual([
      { name: 'ci', key: '0123456789abcdef01', scopes: ['read', 'call'] },
      { name: 'ops', key: `sha256:${HEX}`, scopes: ['admin'] },
    ]);
  });

  it('names the environment variable when its keys are malformed', () => {
    expect(() => loadConfig({ cwd: dir, env: { SWITCHYARD_API_KEYS: 'no-colons-here' } })).toThrow(
      /SWITCHYARD_API_KEYS/,
    );
    expect(() =>
      loadConfig({ cwd: dir, env: { SWITCHYARD_API_KEYS: 'ci:0123456789abcdef01:write' } }),
    ).toThrow(ConfigError);
  });

  it('rejects a short key, a bad sha256 digest and an unknown field', () => {
    const load = (api: unknown) => {
      writeFileSync(join(dir, 'switchyard.config.json'), JSON.stringify({ api }));
      return () => loadConfig({ cwd: dir, env: {} });
    };
    expect(load({ keys: [{ name: 'a', key: 'short', scopes: ['read'] }] })).toThrow(/at least 16 characters/);
    expect(load({ keys: [{ name: 'a', key: 'sha256:abc', scopes: ['read'] }] })).toThrow(/64 hex digits/);
    expect(load({ keys: [{ name: 'a', key: '0123456789abcdef01', scopes: [] }] })).toThrow(ConfigError);
    expect(load({ bodylimit: 5 })).toThrow(/bodylimit/);
  });

  it('parses SWITCHYARD_API_KEYS entries with a colon in the key', () => {
    expect(parseApiKeys(`a:sha256:${HEX}:read`)).toEqual([
      { name: 'a', key: `sha256:${HEX}`, scopes: ['read'] },
    ]);
    expect(parseApiKeys('a:b')).toBe('a:b');
  });
});
