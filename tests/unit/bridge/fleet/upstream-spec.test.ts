import { describe, expect, it } from 'vitest';
import { parseUpstreamSpec } from '../../../../bridge/fleet/upstream-spec.js';
import { ValidationError } from '../../../../core/errors.js';

describe('parseUpstreamSpec', () => {
  it('fills in every supervision default', () => {
    const spec = parseUpstreamSpec({ name: 'crm', transport: 'stdio', command: 'node' });
    expect(spec).toEqual({
      name: 'crm',
      transport: 'stdio',
      command: 'node',
      args: [],
      env: {},
      startupTimeoutMs: 30_000,
      callTimeoutMs: 60_000,
      pingIntervalMs: 15_000,
      pingTimeoutMs: 5_000,
      maxPingFailures: 3,
      killGraceMs: 2_000,
      restart: {
        policy: 'always',
        initialDelayMs: 500,
        maxDelayMs: 30_000,
        jitter: 0.2,
        crashLoop: { maxRestarts: 5, windowMs: 60_000 },
      },
      circuitBreaker: { failureThreshold: 5, resetTimeoutMs: 30_000 },
    });
  });

  it('accepts an http upstream with headers and keeps partial nested options', () => {
    const spec = parseUpstreamSpec({
      name: 'remote',
      transport: 'http',
      url: 'https://mcp.example.com/mcp',
      headers: { authorization: 'Bearer t' },
      restart: { policy: 'on-failure', crashLoop: { maxRestarts: 2 } },
    });
    expect(spec.transport === 'http' && spec.headers).toEqual({ authorization: 'Bearer t' });
    expect(spec.restart).toMatchObject({
      policy: 'on-failure',
      initialDelayMs: 500,
      crashLoop: { maxRestarts: 2, windowMs: 60_000 },
    });
  });

  it('names the upstream and every bad field', () => {
    const bad = () =>
      parseUpstreamSpec({
        name: 'crm',
        transport: 'stdio',
        command: '',
        restart: { jitter: 2, initialDelayMs: 5000, maxDelayMs: 1000 },
        typo: true,
      });
    expect(bad).toThrow(ValidationError);
    expect(bad).toThrow(/^upstream 'crm': /);
    expect(bad).toThrow(/command: command must not be empty/);
    expect(bad).toThrow(/restart\.jitter: /);
    expect(bad).toThrow(/typo/);
  });

  it('refuses a url that is not http(s) and a maximum delay below the initial one', () => {
    expect(() => parseUpstreamSpec({ name: 'r', transport: 'http', url: 'ftp://x/mcp' })).toThrow(
      /url: url must be an http\(s\) URL/,
    );
    expect(() =>
      parseUpstreamSpec({
        name: 'r',
        transport: 'stdio',
        command: 'x',
        restart: { initialDelayMs: 10, maxDelayMs: 5 },
      }),
    ).toThrow(/restart\.maxDelayMs: maxDelayMs must be at least initialDelayMs/);
  });
});
