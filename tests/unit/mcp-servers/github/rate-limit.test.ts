import { describe, expect, it } from 'vitest';
import { sleep } from '../../../../mcp-servers/github/github-client.js';
import { rateLimitWait } from '../../../../mcp-servers/github/rate-limit.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');

describe('rateLimitWait', () => {
  it('reads retry-after as seconds', () => {
    expect(rateLimitWait(403, { 'retry-after': '30' }, 'secondary', NOW)).toEqual({
      waitMs: 30_000,
      retryAt: new Date('2025-06-01T12:00:30Z'),
      reason: 'secondary',
    });
  });

  it('reads retry-after as an HTTP date', () => {
    const wait = rateLimitWait(429, { 'retry-after': 'Sun, 01 Jun 2025 12:01:00 GMT' }, 'slow down', NOW);
    expect(wait?.waitMs).toBe(60_000);
  });

  it('waits until x-ratelimit-reset when x-ratelimit-remaining is 0', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 90) };
    expect(rateLimitWait(403, headers, 'API rate limit exceeded', NOW)?.retryAt).toEqual(
      new Date('2025-06-01T12:01:30Z'),
    );
  });

  it('prefers retry-after to the reset time, and never waits a negative time', () => {
    const headers = {
      'retry-after': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(NOW / 1000 + 999),
    };
    expect(rateLimitWait(403, headers, 'm', NOW)?.waitMs).toBe(5000);
    const past = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 - 10) };
    expect(rateLimitWait(403, past, 'm', NOW)?.waitMs).toBe(0);
  });

  it('waits a minute for a secondary limit or a 429 without headers, as GitHub advises', () => {
    expect(rateLimitWait(403, {}, 'You have exceeded a secondary rate limit.', NOW)?.waitMs).toBe(60_000);
    expect(rateLimitWait(429, {}, 'Too many requests', NOW)?.waitMs).toBe(60_000);
  });

  it('is not a limit for a 403 about permissions, or any other status', () => {
    expect(
      rateLimitWait(403, { 'x-ratelimit-remaining': '4999' }, 'Resource not accessible by integration', NOW),
    ).toBeUndefined();
    expect(rateLimitWait(404, { 'retry-after': '1' }, 'Not Found', NOW)).toBeUndefined();
    expect(rateLimitWait(500, {}, 'oops', NOW)).toBeUndefined();
  });
});

describe('the default sleep', () => {
  it('resolves after the time and rejects at once when its signal aborts', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow();
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(sleep(60_000, aborted)).rejects.toThrow();
  });
});
