import { describe, expect, it } from 'vitest';
import {
  ModelAbortedError,
  ModelBadOutputError,
  ModelRateLimitedError,
  ModelUnavailableError,
} from '../../../../runtime/llm/model-errors.js';
import { parseRetryAfterMs, RetryPolicy } from '../../../../runtime/llm/retry-policy.js';

const context = { provider: 'openai', model: 'gpt-4o-mini' };

/** A policy whose waits are recorded instead of slept. */
function policy(options: ConstructorParameters<typeof RetryPolicy>[0] = {}) {
  const sleeps: number[] = [];
  const retry = new RetryPolicy({ sleep: async (ms) => void sleeps.push(ms), random: () => 0, ...options });
  return { retry, sleeps };
}

/** An attempt function that throws the given errors in turn, then returns 'ok'. */
function failing(...errors: Error[]) {
  let calls = 0;
  const attempt = async () => {
    const error = errors[calls];
    calls += 1;
    if (error) throw error;
    return 'ok';
  };
  return { attempt, calls: () => calls };
}

describe('RetryPolicy', () => {
  it('returns the first success with attempts = 1', async () => {
    const { retry, sleeps } = policy();
    await expect(retry.run(context, async () => 42)).resolves.toEqual({ value: 42, attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it('waits what retry-after asked before retrying a 429', async () => {
    const { retry, sleeps } = policy();
    const { attempt } = failing(new ModelRateLimitedError({ ...context, status: 429, retryAfterMs: 1_500 }));
    await expect(retry.run(context, attempt)).resolves.toEqual({ value: 'ok', attempts: 2 });
    expect(sleeps).toEqual([1_500]);
  });

  it('throws model_rate_limited with retryAfterMs, without waiting, when retry-after exceeds maxRetryWaitMs', async () => {
    const { retry, sleeps } = policy({ maxRetryWaitMs: 1_000 });
    const { attempt, calls } = failing(
      new ModelRateLimitedError({ ...context, status: 429, retryAfterMs: 5_000 }),
    );
    const error = await retry.run(context, attempt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRateLimitedError);
    expect(error).toMatchObject({
      retryAfterMs: 5_000,
      attempts: 1,
      details: { retryAfterMs: 5_000, attempts: 1 },
    });
    expect(sleeps).toEqual([]);
    expect(calls()).toBe(1);
  });

  it('backs off exponentially up to maxDelayMs when no retry-after is given', async () => {
    const { retry, sleeps } = policy({ maxRetries: 5, baseDelayMs: 100, maxDelayMs: 500 });
    const errors = Array.from({ length: 5 }, () => new ModelUnavailableError({ ...context, status: 503 }));
    await expect(retry.run(context, failing(...errors).attempt)).resolves.toMatchObject({ attempts: 6 });
    expect(sleeps).toEqual([100, 200, 400, 500, 500]);
  });

  it('takes up to a quarter off each backoff as jitter', () => {
    expect(new RetryPolicy({ random: () => 0 }).backoffMs(3)).toBe(2_000);
    expect(new RetryPolicy({ random: () => 0.999_999 }).backoffMs(3)).toBe(1_500);
  });

  it('stops after maxRetries and reports the attempts made', async () => {
    const { retry } = policy({ maxRetries: 2 });
    const errors = Array.from({ length: 3 }, () => new ModelUnavailableError({ ...context, status: 500 }));
    const error = await retry.run(context, failing(...errors).attempt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect(error).toMatchObject({ attempts: 3, details: { attempts: 3 } });
  });

  it('does not retry an error that is not retryable', async () => {
    const { retry } = policy();
    const { attempt, calls } = failing(new ModelBadOutputError(context, 'garbage'));
    await expect(retry.run(context, attempt)).rejects.toBeInstanceOf(ModelBadOutputError);
    expect(calls()).toBe(1);
  });

  it('ends a wait before a retry the moment the signal aborts', async () => {
    const retry = new RetryPolicy(); // the real, abortable timer
    const controller = new AbortController();
    const { attempt, calls } = failing(new ModelRateLimitedError({ ...context, retryAfterMs: 30_000 }));
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    const error = await retry.run(context, attempt, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelAbortedError);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(calls()).toBe(1);
  });

  it('reports an unexpected (untranslated) error as model_unavailable without retrying', async () => {
    const { retry } = policy();
    const { attempt, calls } = failing(new TypeError('x is undefined'));
    await expect(retry.run(context, attempt)).rejects.toMatchObject({
      code: 'model_unavailable',
      retryable: false,
      message: expect.stringContaining('x is undefined'),
    });
    expect(calls()).toBe(1);
  });

  it('rejects invalid settings with a message naming the field', () => {
    expect(() => new RetryPolicy({ maxRetries: -1 })).toThrow(/maxRetries must be a non-negative integer/);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads seconds, milliseconds and HTTP dates', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2_000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '0.5' }))).toBe(500);
    expect(parseRetryAfterMs(new Headers({ 'retry-after-ms': '1234', 'retry-after': '9' }))).toBe(1_234);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(
      parseRetryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), () => now),
    ).toBe(30_000);
  });

  it('ignores absent or unusable values', () => {
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
    expect(parseRetryAfterMs(new Headers())).toBeUndefined();
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '-3' }))).toBeUndefined();
  });
});
