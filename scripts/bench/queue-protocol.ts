import { z } from 'zod';

/**
 * What bench:queue (scripts/bench/queue.ts) and its worker processes (scripts/bench/queue-worker.ts)
 * agree on: the scenarios, the names of what they consume, the worker's argument and its messages.
 */

/**
 * How a no-op task travels: `raw` a bare BullMQ job; `raw-pg` a bare BullMQ job whose processor
 * writes by hand what an agent run persists (the run row with its start, then its completion with
 * its last event: two single-row statements); `queue` a task of BullMqTaskQueue with a no-op
 * handler; `agent` a task run as a no-op agent's run under the run supervisor, persisted.
 */
export const SCENARIOS = ['raw', 'raw-pg', 'queue', 'agent'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Scenarios whose workers write to PostgreSQL (each round gets its own migrated schema). */
export const PERSISTING: readonly Scenario[] = ['raw-pg', 'agent'];

/** The bare BullMQ queue of the `raw` and `raw-pg` scenarios. */
export const RAW_QUEUE = 'bench-noop';
/** The agent whose tasks the `queue` and `agent` scenarios submit. */
export const NOOP_AGENT = 'noop';

/** A worker process's one argument (JSON). */
export const WorkerSpecSchema = z.strictObject({
  scenario: z.enum(SCENARIOS),
  redisUrl: z.string().min(1),
  prefix: z.string().min(1),
  concurrency: z.int().min(1),
  /** The PostgreSQL store of a {@link PERSISTING} scenario. */
  database: z.strictObject({ url: z.string().min(1), schema: z.string().min(1) }).optional(),
});
export type WorkerSpec = z.infer<typeof WorkerSpecSchema>;

/** Worker → parent over IPC: its consumer is set up; it has taken its first task. */
export const WorkerMessageSchema = z.strictObject({ type: z.enum(['ready', 'first-task']) });
export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;
