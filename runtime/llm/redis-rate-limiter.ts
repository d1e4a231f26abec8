import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  assertRateLimit,
  type RateBudget,
  type RateLimitDecision,
  type RateLimiter,
} from './rate-limiter.js';

export interface RedisRateLimiterOptions {
  /** The connection to use. Borrowed: whoever created it closes it. */
  redis: Redis;
  /** Namespaces the keys (`<prefix>:llm-rate:<budget key>`), like the queue's. @defaultValue 'switchyard' */
  prefix?: string;
}

/*
 * One sorted set per budget: a member per slot taken, scored by when (ms). All budgets are checked
 * and taken in one script, so concurrent takers on any number of processes never overshoot and a
 * refusal by one budget takes nothing from another. Time is Redis's (TIME), not the caller's:
 * workers on different machines disagree about their clocks, but they all ask the same server.
 * Redis ≥ 5 replicates a script's effects, which is what makes TIME allowed before writes.
 *
 * KEYS: the budgets' sorted sets. ARGV: member, then max and durationMs of each budget in order.
 * Returns 0 when granted, else the milliseconds until every budget has a slot free.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local max = tonumber(ARGV[2 * i])
  local duration = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
  local count = redis.call('ZCARD', key)
  if count >= max then
    local oldest = redis.call('ZRANGE', key, count - max, count - max, 'WITHSCORES')
    local free = tonumber(oldest[2]) + duration - now
    if free > wait then wait = free end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]))
end
return 0
`;

/**
 * {@link RateLimiter} on Redis: a budget is shared by every process that uses the same Redis and
 * prefix (the bridge and all its workers), as a sliding-window log.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: RedisRateLimiterOptions) {
    const prefix = options.prefix ?? 'switchyard';
    if (!/^[A-Za-z0-9_.:-]+$/.test(prefix))
      throw new RangeError(`RedisRateLimiter: prefix must match [A-Za-z0-9_.:-]+, got '${prefix}'`);
    this.#redis = options.redis;
    this.#prefix = prefix;
  }

  /** The Redis key a budget is counted under. */
  #keyOf(budgetKey: string): string {
    return `${this.#prefix}:llm-rate:${budgetKey}`;
  }

  async tryTake(budgets: readonly RateBudget[]): Promise<RateLimitDecision> {
    if (budgets.length === 0) return { granted: true };
    for (const budget of budgets) assertRateLimit('RedisRateLimiter', budget);
    const keys = budgets.map((budget) => this.#keyOf(budget.key));
    const args = budgets.flatMap((budget) => [budget.limit.max, budget.limit.durationMs]);
    const wait = Number(await this.#redis.eval(TAKE, keys.length, ...keys, randomUUID(), ...args));
    return wait > 0 ? { granted: false, retryAfterMs: Math.ceil(wait) } : { granted: true };
  }
}
