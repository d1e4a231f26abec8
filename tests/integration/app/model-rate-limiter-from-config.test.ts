import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { modelRateLimiterFromConfig } from '../../../app/from-config/model-rate-limiter-from-config.js';
import { type Config, ConfigSchema, type ConfigFile } from '../../../app/config/config-schema.js';
import { silentLogger } from '../../../core/logger.js';
import { REDIS_URL, redisAnswers } from '../../support/redis.js';

const REDIS_UP = await redisAnswers();
if (!REDIS_UP) console.warn(`model rate limiter Redis tests skipped: no Redis answers at ${REDIS_URL}`);

const configOf = (file: ConfigFile): Config => ({ ...ConfigSchema.parse(file), home: '/nonexistent' });
const limits = { openai: { max: 1, durationMs: 10_000 } };

describe('modelRateLimiterFromConfig', () => {
  it('counts in process without Redis', async () => {
    const built = modelRateLimiterFromConfig(configOf({ llm: { rateLimits: limits } }), silentLogger);
    expect(built.kind).toBe('memory');
    await built.close();
  });

  it('makes no Redis connection when there is nothing to limit', async () => {
    const built = modelRateLimiterFromConfig(configOf({ redis: { url: REDIS_URL } }), silentLogger);
    expect(built.kind).toBe('memory');
    await built.close();
  });

  it('closes a Redis limiter that was never used without connecting', async () => {
    const built = modelRateLimiterFromConfig(
      configOf({ redis: { url: 'redis://127.0.0.1:1' }, llm: { rateLimits: limits } }),
      silentLogger,
    );
    expect(built.kind).toBe('redis');
    await built.close();
  });

  it.skipIf(!REDIS_UP)('counts on Redis under redis.prefix and closes its connection', async () => {
    const prefix = `sy-test-mrl-${randomUUID().slice(0, 8)}`;
    const built = modelRateLimiterFromConfig(
      configOf({ redis: { url: REDIS_URL, prefix }, llm: { rateLimits: limits } }),
      silentLogger,
    );
    const budgets = [{ key: 'provider:openai', limit: limits.openai }];
    expect(await built.limiter.tryTake(budgets)).toEqual({ granted: true });
    expect((await built.limiter.tryTake(budgets)).granted).toBe(false);
    await built.close();
    const probe = new Redis(REDIS_URL);
    try {
      const keys = await probe.keys(`${prefix}:*`);
      expect(keys).toEqual([`${prefix}:llm-rate:provider:openai`]);
      await probe.del(...keys);
    } finally {
      await probe.quit();
    }
  });
});
