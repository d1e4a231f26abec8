import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createChatModels } from '../../../../runtime/llm/create-chat-model.js';
import { ModelAbortedError, ModelRateLimitedError } from '../../../../runtime/llm/model-errors.js';
import { rateLimitedChatModel } from '../../../../runtime/llm/rate-limited-chat-model.js';
import type { RateBudget } from '../../../../runtime/llm/rate-limiter.js';
import { RedisRateLimiter } from '../../../../runtime/llm/redis-rate-limiter.js';
import { type FakeOpenAI, openaiText, startFakeOpenAI } from '../../../support/fake-llm/fake-openai.js';
import { REDIS_URL, redisAnswers } from '../../../support/redis.js';

const REDIS_UP = await redisAnswers();
if (!REDIS_UP) {
  console.warn(
    `redis rate limiter tests skipped: no Redis answers at ${REDIS_URL} (start redis-server or set REDIS_URL)`,
  );
}

// Each "process" gets its own connection, as the bridge and each worker would.
const connections: Redis[] = [];
const prefixes: string[] = [];
let server: FakeOpenAI | undefined;

function connect(): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  connections.push(redis);
  return redis;
}

function newPrefix(): string {
  const prefix = `sy-test-rl-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return prefix;
}

/** Two limiters on two connections under one prefix: two processes sharing budgets. */
function twoProcesses() {
  const prefix = newPrefix();
  return [
    new RedisRateLimiter({ redis: connect(), prefix }),
    new RedisRateLimiter({ redis: connect(), prefix }),
  ] as const;
}

const budget = (max: number, durationMs: number, key = 'provider:openai'): RateBudget => ({
  key,
  limit: { max, durationMs },
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

afterAll(async () => {
  if (connections.length > 0) {
    const redis = connections[0]!;
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  }
  await Promise.all(connections.map((redis) => redis.quit()));
});

/** A model that answers at once, for the decorator's inner model. */
const instantModel = () => {
  let calls = 0;
  return {
    calls: () => calls,
    model: {
      provider: 'openai',
      model: 'gpt-4o-mini',
      chat: () => {
        calls += 1;
        return Promise.resolve({
          message: { role: 'assistant' as const, content: 'ok' },
          stopReason: 'end_turn' as const,
          usage: { inputTokens: 1, outputTokens: 1 },
          model: 'gpt-4o-mini',
          attempts: 1,
        });
      },
    },
  };
};

describe.skipIf(!REDIS_UP)('RedisRateLimiter on Redis', { timeout: 60_000 }, () => {
  it('makes two processes share one budget', async () => {
    const [bridge, worker] = twoProcesses();
    const limit = [budget(3, 10_000)];
    expect(await bridge.tryTake(limit)).toEqual({ granted: true });
    expect(await worker.tryTake(limit)).toEqual({ granted: true });
    expect(await bridge.tryTake(limit)).toEqual({ granted: true });
    for (const process of [bridge, worker]) {
      const refused = await process.tryTake(limit);
      expect(refused.granted).toBe(false);
      if (!refused.granted) {
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(10_000);
      }
    }
  });

  it('never grants more than max to concurrent takers', async () => {
    const [a, b] = twoProcesses();
    const limit = [budget(5, 10_000)];
    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).tryTake(limit)),
    );
    expect(decisions.filter((decision) => decision.granted)).toHaveLength(5);
  });

  it('takes from several budgets all or nothing', async () => {
    const [a, b] = twoProcesses();
    const provider = budget(10, 10_000, 'provider:openai');
    const model = budget(1, 10_000, 'model:gpt');
    expect((await a.tryTake([provider, model])).granted).toBe(true);
    expect((await b.tryTake([provider, model])).granted).toBe(false);
    // 9 provider slots left: the refused request took none.
    const rest = await Promise.all(Array.from({ length: 10 }, () => b.tryTake([provider])));
    expect(rest.filter((decision) => decision.granted)).toHaveLength(9);
  });

  it('keeps its counters under the prefix, expiring with the window', async () => {
    const prefix = newPrefix();
    const redis = connect();
    const limiter = new RedisRateLimiter({ redis, prefix });
    await limiter.tryTake([budget(1, 5_000)]);
    expect(await redis.keys(`${prefix}:*`)).toEqual([`${prefix}:llm-rate:provider:openai`]);
    const ttl = await redis.pttl(`${prefix}:llm-rate:provider:openai`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });

  it('throws ModelRateLimitedError with a retryAfterMs within the window when the wait is too long', async () => {
    const [bridge, worker] = twoProcesses();
    const budgets = [budget(1, 30_000)];
    expect((await bridge.tryTake(budgets)).granted).toBe(true);
    const inner = instantModel();
    const limited = rateLimitedChatModel(inner.model, { limiter: worker, budgets, maxRetryWaitMs: 1_000 });
    const started = Date.now();
    const error = await limited.chat({ messages: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelRateLimitedError);
    const retryAfterMs = (error as ModelRateLimitedError).details?.retryAfterMs as number;
    expect(retryAfterMs).toBeGreaterThan(25_000);
    expect(retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(Date.now() - started).toBeLessThan(1_000); // it did not wait
    expect(inner.calls()).toBe(0);
  });

  it('waits out a short wait, then sends the request', async () => {
    const [bridge, worker] = twoProcesses();
    const budgets = [budget(1, 600)];
    expect((await bridge.tryTake(budgets)).granted).toBe(true);
    const inner = instantModel();
    const limited = rateLimitedChatModel(inner.model, { limiter: worker, budgets, maxRetryWaitMs: 10_000 });
    const started = Date.now();
    await expect(limited.chat({ messages: [] })).resolves.toMatchObject({ message: { content: 'ok' } });
    // Real time: the slot frees 600 ms after the bridge took it. Bounds are loose (loaded machine).
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(inner.calls()).toBe(1);
  });

  it('rejects promptly when the request is aborted while it waits', async () => {
    const [bridge, worker] = twoProcesses();
    const budgets = [budget(1, 20_000)];
    expect((await bridge.tryTake(budgets)).granted).toBe(true);
    const inner = instantModel();
    const limited = rateLimitedChatModel(inner.model, { limiter: worker, budgets, maxRetryWaitMs: 60_000 });
    const controller = new AbortController();
    const started = Date.now();
    const pending = limited.chat({ messages: [], signal: controller.signal });
    setTimeout(() => controller.abort(new Error('run cancelled')), 100);
    await expect(pending).rejects.toBeInstanceOf(ModelAbortedError);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(inner.calls()).toBe(0);
  });

  it('limits real models built from llm.rateLimits across two processes', async () => {
    server = await startFakeOpenAI({ script: [openaiText('first')] });
    const prefix = newPrefix();
    const section = {
      models: {
        gpt: {
          provider: 'openai' as const,
          model: 'gpt-4o-mini',
          baseURL: server.baseURL,
          maxRetryWaitMs: 500,
        },
      },
      rateLimits: { gpt: { max: 1, durationMs: 60_000 } },
    };
    const processes = [0, 1].map(() =>
      createChatModels(section, {
        env: { OPENAI_API_KEY: 'test-key' },
        rateLimiter: new RedisRateLimiter({ redis: connect(), prefix }),
      }).models.get('gpt')!,
    );
    await expect(processes[0]!.chat({ messages: [{ role: 'user', content: 'hi' }] })).resolves.toMatchObject({
      message: { content: 'first' },
    });
    const error = await processes[1]!
      .chat({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelRateLimitedError);
    expect((error as ModelRateLimitedError).retryAfterMs).toBeGreaterThan(50_000);
    expect(server.chatRequests()).toHaveLength(1);
  });
});
