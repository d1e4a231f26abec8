import { z } from 'zod';

/** `queue.engine`: see README "Queue engines". */
export const QUEUE_ENGINES = ['auto', 'redis', 'postgres', 'inline'] as const;
export type QueueEngine = (typeof QUEUE_ENGINES)[number];

/** The `queue` config section: which engine carries tasks (README "Queue engines"). */
export const QueueConfigSchema = z.strictObject({
  /**
   * `auto`: BullMQ on Redis when `redis.url` is set, else the inline queue. `redis`: BullMQ on
   * Redis (needs `redis.url`). `postgres`: BullMQ's PostgreSQL backend on the server of
   * `database.url` (refused on embedded PGlite). `inline`: in this process, even with Redis.
   * `auto` never picks postgres: a DATABASE_URL alone does not mean workers run. Env: SWITCHYARD_QUEUE_ENGINE.
   */
  engine: z.enum(QUEUE_ENGINES).default('auto'),
  postgres: z
    .strictObject({
      /** BullMQ's schema (its tables and functions): the postgres engine's namespace, as `redis.prefix` is Redis's. */
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,50}$/, 'expected a lower-case schema name of letters, digits and _ (≤ 51)')
        .default('bullmq'),
      /** How long a worker's hold on a task lasts without renewal: a killed worker's tasks move after this. */
      lockDurationMs: z.int().min(1_000).default(30_000),
      /** Connections of each BullMQ queue / worker pool (one queue and one worker per agent and process). */
      poolSize: z.int().min(1).max(100).default(3),
    })
    .prefault({}),
  /**
   * Rebuilding the queue from the database (task-reconciler.ts): queued runs with no job, and
   * parked runs whose wake-up is overdue, are queued again.
   */
  reconcile: z
    .strictObject({
      /** How often every process with a queue looks (and at once when Redis reconnects). */
      intervalMs: z.int().min(100).default(30_000),
      /** How old a queued run must be before it counts as lost (its own submit may still land). */
      graceMs: z.int().min(0).default(10_000),
    })
    .prefault({}),
  /** How long a submit waits for the queue before answering with its (already persisted) run id. */
  enqueueTimeoutMs: z.int().min(1).default(2_000),
});
export type QueueConfig = z.output<typeof QueueConfigSchema>;
