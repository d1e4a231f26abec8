import type { Config } from '../runtime/config/config-schema.js';
import type { Logger } from '../runtime/logger.js';
import { BullMqTaskQueue } from '../runtime/queue/bullmq-task-queue.js';
import { InlineTaskQueue } from '../runtime/queue/inline-task-queue.js';
import type { TaskQueue } from '../runtime/queue/task-queue.js';

/** BullMQ on `redis.url` (REDIS_URL) when configured, else the in-process inline queue. */
export function queueFromConfig(config: Config, options: { agents: string[]; logger: Logger }): TaskQueue {
  if (config.redis.url) {
    const { url, prefix, lockDurationMs } = config.redis;
    return new BullMqTaskQueue({
      connection: url,
      prefix,
      agents: options.agents,
      logger: options.logger,
      lockDurationMs,
      // Look for the tasks of dead workers as often as their holds run out.
      stalledIntervalMs: lockDurationMs,
    });
  }
  return new InlineTaskQueue({ logger: options.logger });
}
