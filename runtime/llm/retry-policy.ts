import { setTimeout as delay } from 'node:timers/promises';
import { type Logger, silentLogger } from '#core';
import {
  ModelAbortedError,
  ModelError,
  ModelRateLimitedError,
  type ModelErrorContext,
  ModelUnavailableError,
} from './model-errors.js';

/**
 * Retries of one model request, shared by every provider. The SDKs' own retries are turned off
 * (`maxRetries: 0`): their wait before a retry cannot be bounded, and the openai SDK's cannot be
 * aborted by the request's signal either (its `sleep` takes none), so a cancelled run could hang
 * for as long as a `retry-after` says. Here a 429 waits what the provider asked, up to
 * `maxRetryWaitMs`, then gives up with a {@link ModelRateLimitedError} carrying `retryAfterMs`
 * so a queue can delay the job; 5xx, timeouts and dropped connections back off exponentially
 * with jitter; every wait ends the moment the signal aborts.
 */

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryPolicyOptions {
  /** Retries after the first attempt. @defaultValue 2 */
  maxRetries?: number;
  /** Backoff before the first retry; doubles each retry. @defaultValue 500 */
  baseDelayMs?: number;
  /** The longest computed backoff (a provider's `retry-after` is bounded by `maxRetryWaitMs` instead). @defaultValue 8000 */
  maxDelayMs?: number;
  /** The longest wait a provider's `retry-after` may impose; longer asks fail fast with `retryAfterMs`. @defaultValue 60000 */
  maxRetryWaitMs?: number;
  /** Waits `ms` or rejects when `signal` aborts. @defaultValue a timer from node:timers/promises */
  sleep?: Sleep;
  /** Source of jitter in [0, 1). @defaultValue Math.random */
  random?: () => number;
}

export const DEFAULT_RETRY_POLICY = {
  maxRetries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryWaitMs: 60_000,
} as const;

const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined);

/**
 * Reads `retry-after-ms` (non-standard, sent by OpenAI) or `retry-after` (seconds or an HTTP date)
 * from a response's headers. Returns undefined when neither is present or usable.
 */
export function parseRetryAfterMs(
  headers: Headers | undefined,
  now: () => number = Date.now,
): number | undefined {
  if (!headers) return undefined;
  const millis = headers.get('retry-after-ms');
  if (millis !== null && millis.trim() !== '') {
    const value = Number(millis);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  const header = headers.get('retry-after');
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

export class RetryPolicy {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryWaitMs: number;
  readonly #sleep: Sleep;
  readonly #random: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    const settings = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(options) };
    for (const key of ['maxRetries', 'baseDelayMs', 'maxDelayMs', 'maxRetryWaitMs'] as const) {
      const value = settings[key];
      if (!Number.isInteger(value) || value < 0)
        throw new RangeError(`RetryPolicy: ${key} must be a non-negative integer, got ${String(value)}`);
    }
    this.maxRetries = settings.maxRetries;
    this.baseDelayMs = settings.baseDelayMs;
    this.maxDelayMs = settings.maxDelayMs;
    this.maxRetryWaitMs = settings.maxRetryWaitMs;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
  }

  /**
   * The computed backoff before retry number `retry` (1-based): `baseDelayMs · 2^(retry-1)`,
   * capped at `maxDelayMs`, minus up to 25 % jitter so clients that failed together spread out.
   */
  backoffMs(retry: number): number {
    const exponential = Math.min(this.baseDelayMs * 2 ** (retry - 1), this.maxDelayMs);
    return Math.round(exponential * (1 - 0.25 * this.#random()));
  }

  /**
   * Runs `attempt` until it succeeds, fails with an error that is not retryable, or runs out of
   * attempts. Every error thrown is a {@link ModelError} whose `attempts` is set.
   *
   * @param attempt Makes one request; must throw only {@link ModelError}s (providers translate).
   */
  async run<T>(
    context: Pick<ModelErrorContext, 'provider' | 'model'>,
    attempt: (attemptNumber: number) => Promise<T>,
    options: { signal?: AbortSignal; logger?: Logger } = {},
  ): Promise<{ value: T; attempts: number }> {
    const { signal, logger = silentLogger } = options;
    for (let attempts = 1; ; attempts += 1) {
      if (signal?.aborted)
        throw withAttempts(new ModelAbortedError({ ...context, cause: signal.reason }), attempts - 1);
      try {
        return { value: await attempt(attempts), attempts };
      } catch (error) {
        const failure = error instanceof ModelError ? error : unexpected(context, error);
        failure.recordAttempts(attempts);
        if (!failure.retryable) throw failure;
        const { retryAfterMs } = failure;
        if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryWaitMs) {
          // Waiting here would hold a worker (and the run) for longer than allowed: hand the wait to the caller.
          if (!(failure instanceof ModelRateLimitedError)) throw failure;
          throw withAttempts(
            new ModelRateLimitedError(
              { ...context, status: failure.status, retryAfterMs, cause: failure },
              `rate limited; asked to retry after ${retryAfterMs} ms, longer than maxRetryWaitMs (${this.maxRetryWaitMs} ms)`,
            ),
            attempts,
          );
        }
        if (attempts > this.maxRetries) throw failure;
        const waitMs = retryAfterMs ?? this.backoffMs(attempts);
        logger.warn(
          { provider: context.provider, model: context.model, code: failure.code, attempt: attempts, waitMs },
          'model request failed; retrying',
        );
        try {
          await this.#sleep(waitMs, signal);
        } catch (sleepError) {
          throw withAttempts(
            new ModelAbortedError({ ...context, cause: signal?.reason ?? sleepError }),
            attempts,
          );
        }
      }
    }
  }
}

function withAttempts<E extends ModelError>(error: E, attempts: number): E {
  error.recordAttempts(attempts);
  return error;
}

// A provider should translate every failure; anything else is a bug there, reported without retrying.
function unexpected(context: Pick<ModelErrorContext, 'provider' | 'model'>, error: unknown): ModelError {
  const message = error instanceof Error ? error.message : String(error);
  return new ModelUnavailableError(
    { ...context, cause: error, retryable: false },
    `unexpected failure: ${message}`,
  );
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
