import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { queueFromConfig } from '../../../app/from-config/queue-from-config.js';
import { type Config, ConfigSchema, type ConfigFile } from '../../../app/config/config-schema.js';
import { silentLogger } from '../../../core/logger.js';
import { BullMqTaskQueue } from '../../../runtime/queue/bullmq-task-queue.js';
import type { TaskQueue, TaskWorker } from '../../../runtime/queue/task-queue.js';
import { captureLogger } from '../../support/capture-logger.js';
import { REDIS_URL, redisAnswers } from '../../support/redis.js';

const REDIS_UP = await redisAnswers();
if (!REDIS_UP) {
  console.warn(
    `queue-from-config Redis tests skipped: no Redis answers at ${REDIS_URL} (start redis-server or set REDIS_URL)`,
  );
}

const configOf = (file: ConfigFile): Config => ({ ...ConfigSchema.parse(file), home: '/nonexistent' });

const queues: TaskQueue[] = [];
const workers: TaskWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.close({ drain: false })));
  for (const queue of queues.splice(0)) {
    if (queue instanceof BullMqTaskQueue) await queue.obliterate();
    await queue.close();
  }
});

describe('queueFromConfig without Redis', () => {
  it('warns at start that agents.rateLimits need Redis, naming the agents', async () => {
    const { logger, lines } = captureLogger();
    const queue = queueFromConfig(
      configOf({ agents: { rateLimits: { coding: { max: 1, durationMs: 1_000 } } } }),
      { agents: ['coding'], logger },
    );
    queues.push(queue);
    expect(queue.kind).toBe('inline');
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        agents: ['coding'],
        msg: expect.stringMatching(/agents\.rateLimits apply with Redis only/),
      }),
    );
  });

  it('says nothing when no agent is limited', () => {
    const { logger, lines } = captureLogger();
    queues.push(queueFromConfig(configOf({}), { agents: ['coding'], logger }));
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
  });
});

describe.skipIf(!REDIS_UP)('queueFromConfig on Redis', { timeout: 60_000 }, () => {
  it('throttles an agent by agents.rateLimits (BullMQ limiter): 4 tasks at 2 per second take a second', async () => {
    const config = configOf({
      redis: { url: REDIS_URL, prefix: `sy-test-qfc-${randomUUID().slice(0, 8)}` },
      agents: { rateLimits: { noop: { max: 2, durationMs: 1_000 } } },
    });
    const queue = queueFromConfig(config, { agents: ['noop'], logger: silentLogger });
    queues.push(queue);
    expect(queue.kind).toBe('redis');
    for (let i = 0; i < 4; i += 1) await queue.submit({ agent: 'noop', input: { i } });
    const started: number[] = [];
    workers.push(
      queue.process(
        async () => {
          started.push(Date.now());
          return { status: 'completed' };
        },
        { concurrency: 4, agents: ['noop'] },
      ),
    );
    await expect.poll(() => started.length, { timeout: 30_000, interval: 50 }).toBe(4);
    started.sort((a, b) => a - b);
    // Unlimited, 4 no-op tasks at concurrency 4 start within milliseconds; at 2 per 1000 ms the
    // third waits for the window. The lower bound leaves room for timer granularity only; there is
    // no upper bound to speak of, because a loaded machine is slow, never fast.
    expect(started[3]! - started[0]!).toBeGreaterThanOrEqual(900);
    expect(started[2]! - started[0]!).toBeGreaterThanOrEqual(900);
  });
});
