import { z } from 'zod';

/**
 * A budget of requests shared by everyone who takes from the same key: at most `max` slots taken
 * in any window of `durationMs` (a sliding window, so no burst of 2·max at a window's edge).
 * Implementations: {@link MemoryRateLimiter} (one process) and `RedisRateLimiter` (every process
 * on one Redis).
 */

/** `max` per `durationMs`; both positive integers. */
export const RateLimitSchema = z.strictObject({
  /** Slots per window. */
  max: z.int({ message: 'max must be a whole number' }).min(1, 'max must be at least 1'),
  /** The window, in milliseconds. */
  durationMs: z
    .int({ message: 'durationMs must be a whole number of milliseconds' })
    .min(1, 'durationMs must be at least 1'),
});
export type RateLimit = z.output<typeof RateLimitSchema>;

/** One budget a request takes a slot from: where it is counted and how big it is. */
export interface RateBudget {
  /** Names the counter; equal keys share one budget. */
  key: string;
  limit: RateLimit;
}

export type RateLimitDecision = { granted: true } | { granted: false; retryAfterMs: number };

export interface RateLimiter {
  /**
   * Takes one slot from every budget if each has one free, else none (all or nothing, so a
   * request refused by one budget does not use up another).
   *
   * @returns `granted`, or how long until every budget has a slot free again (at least 1 ms).
   */
  tryTake(budgets: readonly RateBudget[]): Promise<RateLimitDecision>;
}

/** Checks a limit handed to a limiter in code (config has been through {@link RateLimitSchema}). */
export function assertRateLimit(owner: string, budget: RateBudget): void {
  const { max, durationMs } = budget.limit;
  if (!Number.isInteger(max) || max < 1 || !Number.isInteger(durationMs) || durationMs < 1)
    throw new RangeError(
      `${owner}: budget '${budget.key}' needs positive integers max and durationMs, got ${String(max)} per ${String(durationMs)} ms`,
    );
}

export interface MemoryRateLimiterOptions {
  /** The clock windows are measured with. @defaultValue Date.now */
  now?: () => number;
}

/**
 * {@link RateLimiter} in this process: a log of the times slots were taken, per key.
 * Budgets are shared by everything holding the same instance.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #now: () => number;
  readonly #taken = new Map<string, number[]>();

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  // async: a bad limit rejects, as it would on Redis, instead of throwing at the call.
  async tryTake(budgets: readonly RateBudget[]): Promise<RateLimitDecision> {
    for (const budget of budgets) assertRateLimit('MemoryRateLimiter', budget);
    const now = this.#now();
    let retryAfterMs = 0;
    const logs = budgets.map((budget) => {
      const log = this.#log(budget.key, now - budget.limit.durationMs);
      // The slot frees when the oldest of the last `max` takes leaves the window.
      if (log.length >= budget.limit.max) {
        const oldest = log[log.length - budget.limit.max]!;
        retryAfterMs = Math.max(retryAfterMs, Math.ceil(oldest + budget.limit.durationMs - now));
      }
      return log;
    });
    if (retryAfterMs > 0) return { granted: false, retryAfterMs };
    for (const log of logs) log.push(now);
    return { granted: true };
  }

  /** The key's takes still inside a window that began after `since`, oldest first. */
  #log(key: string, since: number): number[] {
    let log = this.#taken.get(key);
    if (log === undefined) {
      log = [];
      this.#taken.set(key, log);
    }
    let expired = 0;
    while (expired < log.length && log[expired]! <= since) expired += 1;
    if (expired > 0) log.splice(0, expired);
    return log;
  }
}
