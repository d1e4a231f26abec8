import { z } from 'zod';
import { urlField } from '#core';

/**
 * The `redis` config section. The queue is its user: BullMQ's queues and workers, and the run
 * event relay, keep their keys there (the model rate limiter shares the connection).
 */
export const RedisConfigSchema = z.strictObject({
  /** Env: REDIS_URL. Absent = the inline queue in the bridge's process. */
  url: urlField.optional(),
  /** Namespaces the queue's and the event relay's keys, so clusters can share a Redis. Env: SWITCHYARD_REDIS_PREFIX. */
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a prefix of letters, digits, _ . -')
    .default('switchyard'),
  /** How long a worker's hold on a task lasts without renewal: a killed worker's tasks move after this. */
  lockDurationMs: z.int().min(1_000).default(30_000),
});
export type RedisConfig = z.output<typeof RedisConfigSchema>;
