import { Redis } from 'ioredis';
import type { Config } from '../config/config-schema.js';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from '#runtime/llm';
import type { Logger } from '#core';

export interface ModelRateLimiter {
  /** Counts `llm.rateLimits`: on Redis when `redis.url` is set (shared by every process), else here. */
  limiter: RateLimiter;
  kind: 'redis' | 'memory';
  /** Closes the Redis connection, if one was made. Call once the models are no longer used. */
  close(): Promise<void>;
}

/**
 * The limiter behind `llm.rateLimits`. With Redis its counters live under `redis.prefix`, so the
 * bridge and every worker share one budget per provider and model; without, the budget is this
 * process's. A Redis connection is made only when there are limits to count (and only on first use).
 */
export function modelRateLimiterFromConfig(config: Config, logger: Logger): ModelRateLimiter {
  const { url, prefix } = config.redis;
  if (!url || Object.keys(config.llm.rateLimits).length === 0)
    return { limiter: new MemoryRateLimiter(), kind: 'memory', close: () => Promise.resolve() };
  // A few retries, then the command fails and the model request goes out unlimited (logged):
  // see rateLimitedChatModel.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', (error: unknown) => logger.error({ err: error }, 'llm rate limiter: redis error'));
  return {
    limiter: new RedisRateLimiter({ redis, prefix }),
    kind: 'redis',
    close: async () => {
      // A lazy connection that never connected has nothing to QUIT (quit would connect first).
      if (redis.status === 'wait' || redis.status === 'end') {
        redis.disconnect();
        return;
      }
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
