import { SwitchyardError } from '#core';

/**
 * The queue agent runs travel through (`TaskQueue`; docs/queue.md): BullMQ on Redis across worker
 * processes, or an inline queue in this process when there is no Redis. A task is one agent run;
 * its id is the run's id, known at submit.
 */

export interface TaskBackoff {
  type: 'fixed' | 'exponential';
  /** The first retry's delay. */
  delayMs: number;
}

export interface TaskSpec {
  agent: string;
  input: unknown;
  /** 1 is the highest; larger waits behind smaller. @defaultValue none (after every prioritized task, FIFO) */
  priority?: number;
  /** A second submit with the same key returns the first task's run instead of a new one. */
  idempotencyKey?: string;
  /** Bound on one attempt's wall time. @defaultValue the agent's own timeout */
  timeoutMs?: number;
  /** Attempts in all, the first included. @defaultValue 3 */
  attempts?: number;
  /** @defaultValue exponential from 1000 ms */
  backoff?: TaskBackoff;
  /** Start no earlier than this many ms from now. @defaultValue 0 */
  delayMs?: number;
  /** The run this task is a child of (a flow's parent). */
  parentRunId?: string;
  /** Who asked (an API key's name, a CLI user): kept on the run and its approvals. */
  requestedBy?: string;
}

export interface SubmittedTask {
  runId: string;
  /** False when an idempotency key matched an earlier task: `runId` is that task's. */
  created: boolean;
}

export type TaskState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'unknown';

export interface TaskInfo {
  runId: string;
  agent: string;
  state: TaskState;
  /** Attempts started so far. */
  attemptsMade: number;
  /** Why the last attempt failed (a failed task is a dead letter until retried). */
  failedReason?: string;
  submittedAt: Date;
  finishedAt?: Date;
}

/** What a worker is handed: one task, to run to a stop (final, or parked for a person). */
export interface TaskJob {
  runId: string;
  spec: TaskSpec;
  /** 1 on the first attempt. */
  attempt: number;
  /** This task brings a parked run back (see {@link TaskQueue.resume}) instead of starting one. */
  resume?: boolean;
  /** Aborted when the task is cancelled or its worker shuts down. */
  signal: AbortSignal;
}

/** How a handler's attempt ended, as the queue records it. */
export interface TaskOutcome {
  /** The run's status when the attempt stopped (`completed`, `awaiting_approval`, …). */
  status: string;
  /** The run rests parked until then (null: until a decision); a wake-up task is queued for it. */
  parkedUntil?: Date | null;
}

export type TaskHandler = (job: TaskJob) => Promise<TaskOutcome>;

export interface TaskWorkerOptions {
  /** Tasks run at once by this worker. @defaultValue 1 */
  concurrency?: number;
  /** Only these agents' tasks. @defaultValue all */
  agents?: string[];
}

export interface TaskWorker {
  /**
   * Stops taking tasks. `drain: true` lets active ones finish; otherwise they are handed back
   * (their runs resume elsewhere from their snapshots). Resolves when it has stopped.
   */
  close(options?: { drain?: boolean }): Promise<void>;
}

/** When a flow's child fails for good: fail the parent at once, or let it continue with the rest. */
export type ChildFailurePolicy = 'fail-parent' | 'continue';

export interface TaskQueue {
  /** `redis` or `postgres` (BullMQ on that engine), or `inline`. */
  readonly kind: string;
  /**
   * Queues a task. With `runId` (a run the caller accepted and persisted first), that is the task's
   * id and the queue's own idempotency is skipped: a second submit with the same id is the same
   * task, queued once (`created: false`), which is what makes enqueuing again from the database safe.
   */
  submit(spec: TaskSpec, options?: { runId?: string }): Promise<SubmittedTask>;
  /**
   * Fan-out / fan-in: the children run first (in parallel, on any worker); the parent starts once
   * all of them ended, and reads their outputs from its input's `children` run ids. `runIds` gives
   * the parent's and the children's ids as `submit`'s `runId` does.
   */
  submitFlow(
    parent: TaskSpec,
    children: TaskSpec[],
    options?: { onChildFailure?: ChildFailurePolicy; runIds?: { parent: string; children: string[] } },
  ): Promise<{ parent: SubmittedTask; children: SubmittedTask[] }>;
  /**
   * Resolves when the queue's engine answers (Redis, PostgreSQL); rejects saying why otherwise,
   * within `timeoutMs`. `/ready` asks it.
   */
  ping(timeoutMs: number): Promise<void>;
  /**
   * Calls `listener` each time the queue's engine comes back after its connection was lost (a
   * Redis restart may have lost every job); returns the function that stops it. @defaultValue
   * absent: an engine that cannot lose its jobs this way (inline, PostgreSQL)
   */
  onReconnect?(listener: () => void): () => void;
  /**
   * Brings a parked run back: a task on its agent's queue, taken at `at` (at once without it), whose
   * worker resumes the run from its snapshot. The same wake-up asked twice (same run, same `at`)
   * is queued once; two asked "at once" in different milliseconds are two tasks, and the second
   * finds the run already taken and ends. These tasks go before new ones; `get(runId)` keeps showing the run's own task.
   */
  resume(run: { runId: string; agent: string }, options?: { at?: Date }): Promise<void>;
  get(runId: string): Promise<TaskInfo | undefined>;
  /** Removes a task that has not started; true if it was removed. An active one is cancelled through its run. */
  remove(runId: string): Promise<boolean>;
  /** Dead letters: tasks that failed every attempt, newest first. */
  listFailed(limit?: number): Promise<TaskInfo[]>;
  /** Runs a dead letter again from its first attempt. */
  retry(runId: string): Promise<void>;
  process(handler: TaskHandler, options?: TaskWorkerOptions): TaskWorker;
  close(): Promise<void>;
}

/** The task id of a wake-up of a parked run (BullMQ ids may not contain ':'). */
export function resumeTaskId(runId: string, at: Date): string {
  return `${runId}.resume.${at.getTime()}`;
}

/**
 * A handler error no retry can change — the run ended failed, so another attempt would only find
 * it failed again: the task fails at once, without its remaining attempts, and is a dead letter.
 */
export class FinalTaskError extends SwitchyardError {}

export function isFinalTaskError(error: unknown): boolean {
  return error instanceof FinalTaskError;
}

/**
 * A flow parent's input as its handler gets it: its children's run ids added, merged into an
 * object input, else wrapped (`{value, children}`).
 */
export function withChildren(input: unknown, children: readonly string[]): unknown {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return { ...input, children };
  return input === undefined ? { children } : { value: input, children };
}
