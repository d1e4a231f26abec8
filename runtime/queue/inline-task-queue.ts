import { randomUUID } from 'node:crypto';

import {
  type Clock,
  systemClock,
  type TimerHandle,
  ConflictError,
  NotFoundError,
  SwitchyardError,
  ValidationError,
  type Logger,
  silentLogger,
} from '#core';
import {
  isFinalTaskError,
  resumeTaskId,
  type ChildFailurePolicy,
  type SubmittedTask,
  type TaskHandler,
  type TaskInfo,
  type TaskJob,
  type TaskOutcome,
  type TaskQueue,
  type TaskSpec,
  type TaskState,
  type TaskWorker,
  type TaskWorkerOptions,
} from './task-queue.js';
import {
  backoffDelayMs,
  DEFAULT_TASK_ATTEMPTS,
  DEFAULT_TASK_BACKOFF,
  parseTaskSpec,
} from './task-spec-schema.js';

export interface InlineTaskQueueOptions {
  /** Drives delays, backoff and attempt timeouts. @defaultValue systemClock */
  clock?: Clock;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Run ids. @defaultValue crypto.randomUUID */
  newId?: () => string;
  /** Completed tasks kept for `get` and idempotency, oldest dropped first. @defaultValue 1000 */
  retainCompleted?: number;
  /** Dead letters kept for `listFailed` / `retry`, oldest dropped first. @defaultValue 10000 */
  retainFailed?: number;
}

/** A parent of a flow waits here; `get` reports it as `waiting` (TaskState has no finer state). */
type EntryState = Exclude<TaskState, 'unknown'> | 'waiting-children';

interface Entry {
  runId: string;
  spec: TaskSpec;
  state: EntryState;
  attemptsMade: number;
  failedReason?: string;
  submittedAt: Date;
  finishedAt?: Date;
  /** Order of finishing (clock milliseconds tie): newest-first listings and trimming. */
  finishSeq: number;
  /** FIFO order among equal priorities: taken anew each time the task becomes waiting. */
  seq: number;
  /** Earliest start (the spec's delay, measured from submit). */
  notBefore: number;
  timer?: TimerHandle;
  /** Set while an attempt runs: who runs it, and how to abort it. */
  active?: { worker: InlineWorker; controller: AbortController };
  flow?: { children: string[]; pending: Set<string>; onChildFailure: ChildFailurePolicy };
  /** The parent waiting on this child, if any. */
  parentRunId?: string;
  /** A wake-up of this parked run (see `resume`); its own id is only the entry's. */
  resumes?: string;
}

interface InlineWorker extends TaskWorker {
  handler: TaskHandler;
  concurrency: number;
  agents?: ReadonlySet<string>;
  running: Set<Promise<void>>;
  closed: boolean;
}

const QUEUE_CLOSED = 'queue_closed';

/**
 * The queue of the embedded shape (docs/architecture.md): tasks run in this process, with BullMQ's semantics
 * where they can be had in memory — priority (1 first, FIFO among equals, unprioritized after
 * every prioritized task), idempotency keys, delays, per-worker concurrency and agent filters,
 * retries with fixed or exponential backoff, per-attempt timeouts (the job's signal is aborted and
 * the attempt counts as failed), dead letters that can be retried, and flows.
 *
 * What differs from the BullMQ queue:
 * - Nothing survives the process: waiting, delayed and failed tasks are gone after a restart. The
 *   run supervisor's own resume (from persisted snapshots) is what carries runs across restarts.
 * - One process only: workers are handlers in this process, not other processes or machines.
 * - No stalled-job recovery (a handler that never settles holds its slot until it does, unless
 *   the task has a `timeoutMs`); no rate limiter; no events stream; no repeatable jobs.
 * - Completed tasks and dead letters are kept up to `retainCompleted` / `retainFailed`; an
 *   idempotency key is forgotten with its task.
 * - A timed-out attempt frees its slot at the timeout even if its handler ignores the signal.
 */
export class InlineTaskQueue implements TaskQueue {
  readonly kind = 'inline';

  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly newId: () => string;
  private readonly retainCompleted: number;
  private readonly retainFailed: number;
  private readonly entries = new Map<string, Entry>();
  private readonly byKey = new Map<string, string>();
  private readonly workers = new Set<InlineWorker>();
  private nextSeq = 0;
  private pumpScheduled = false;
  private closed = false;

  constructor(options: InlineTaskQueueOptions = {}) {
    const merged = { retainCompleted: 1_000, retainFailed: 10_000, ...options };
    for (const field of ['retainCompleted', 'retainFailed'] as const) {
      if (!Number.isInteger(merged[field]) || merged[field] < 0)
        throw new ValidationError(`${field} must be a non-negative integer`, { field });
    }
    this.clock = merged.clock ?? systemClock;
    this.logger = merged.logger ?? silentLogger;
    this.newId = merged.newId ?? randomUUID;
    this.retainCompleted = merged.retainCompleted;
    this.retainFailed = merged.retainFailed;
  }

  /** Validates the spec (ValidationError naming the field) and queues it; never waits for a worker. */
  async submit(spec: TaskSpec, options: { runId?: string } = {}): Promise<SubmittedTask> {
    this.assertOpen();
    const parsed = parseTaskSpec(spec);
    // A task queued again from its run row (the reconciler) is the same task: queued once.
    if (options.runId !== undefined && this.entries.has(options.runId))
      return { runId: options.runId, created: false };
    const existing = this.findByKey(parsed.idempotencyKey);
    if (existing) return { runId: existing.runId, created: false };
    const entry = this.add(parsed, options.runId);
    this.schedule(entry);
    return { runId: entry.runId, created: true };
  }

  /** In this process: always answers. */
  async ping(): Promise<void> {
    this.assertOpen();
  }

  /**
   * Queues the children, then the parent, which starts only once every child ended. The parent's
   * input must be an object (or absent): it is handed to the handler with `children: [runIds]`
   * added, in the order given. With `onChildFailure: 'fail-parent'` (the default) a child that
   * failed its last attempt fails the parent at once, without running it; with `'continue'` the
   * parent runs after all children ended, failed ones included. Each child's `parentRunId` is the
   * parent's run id. An idempotency key on the parent deduplicates the whole flow (the earlier
   * flow's runs are returned); children may not carry their own keys.
   */
  async submitFlow(
    parent: TaskSpec,
    children: TaskSpec[],
    options: {
      onChildFailure?: ChildFailurePolicy;
      runIds?: { parent: string; children: string[] };
    } = {},
  ): Promise<{ parent: SubmittedTask; children: SubmittedTask[] }> {
    this.assertOpen();
    const onChildFailure = options.onChildFailure ?? 'fail-parent';
    const { runIds } = options;
    if (runIds && runIds.children.length !== children.length)
      throw new ValidationError('runIds.children must name one run id per child', { field: 'runIds' });
    if (onChildFailure !== 'fail-parent' && onChildFailure !== 'continue')
      throw new ValidationError(`onChildFailure must be 'fail-parent' or 'continue'`, {
        field: 'onChildFailure',
      });
    const parsedParent = parseTaskSpec(parent);
    const input: unknown = parsedParent.input ?? {};
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new ValidationError('invalid task spec: parent.input must be an object in a flow', {
        field: 'parent.input',
      });
    const parsedChildren = children.map((child, index) => {
      try {
        const spec = parseTaskSpec(child);
        if (spec.idempotencyKey !== undefined)
          throw new ValidationError(
            'invalid task spec: idempotencyKey: a flow is deduplicated by its parent',
            {
              field: 'idempotencyKey',
            },
          );
        return spec;
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const field = `children.${index}.${String(error.details.field)}`;
        throw new ValidationError(`children[${index}]: ${error.message}`, { ...error.details, field }, error);
      }
    });

    const existing =
      (runIds && this.entries.get(runIds.parent)) || this.findByKey(parsedParent.idempotencyKey);
    if (existing) {
      return {
        parent: { runId: existing.runId, created: false },
        children: (existing.flow?.children ?? []).map((runId) => ({ runId, created: false })),
      };
    }

    const parentId = runIds?.parent ?? this.newId();
    const childEntries = parsedChildren.map((spec, index) =>
      this.add({ ...spec, parentRunId: parentId }, runIds?.children[index]),
    );
    const childIds = childEntries.map((entry) => entry.runId);
    const parentEntry = this.add({ ...parsedParent, input: { ...input, children: childIds } }, parentId);
    parentEntry.state = 'waiting-children';
    parentEntry.flow = { children: childIds, pending: new Set(childIds), onChildFailure };
    for (const child of childEntries) {
      child.parentRunId = parentId;
      this.schedule(child);
    }
    if (childIds.length === 0) this.schedule(parentEntry);
    return {
      parent: { runId: parentId, created: true },
      children: childIds.map((runId) => ({ runId, created: true })),
    };
  }

  async resume(run: { runId: string; agent: string }, options: { at?: Date } = {}): Promise<void> {
    this.assertOpen();
    const id = resumeTaskId(run.runId, options.at ?? new Date(this.clock.now()));
    if (this.entries.has(id)) return;
    const delayMs = Math.max(0, (options.at?.getTime() ?? 0) - this.clock.now());
    const entry = this.add({ agent: run.agent, input: null, priority: 0, delayMs }, id);
    entry.resumes = run.runId;
    this.schedule(entry);
  }

  async get(runId: string): Promise<TaskInfo | undefined> {
    const entry = this.entries.get(runId);
    return entry && info(entry);
  }

  /** Removes a waiting or delayed task (a flow's waiting parent included); false otherwise. */
  async remove(runId: string): Promise<boolean> {
    const entry = this.entries.get(runId);
    if (!entry || !['waiting', 'delayed', 'waiting-children'].includes(entry.state)) return false;
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    this.forget(entry);
    // A removed child no longer holds its parent back; it does not count as a failure.
    this.childEnded(entry, false);
    return true;
  }

  async listFailed(limit = 100): Promise<TaskInfo[]> {
    return [...this.entries.values()]
      .filter((entry) => entry.state === 'failed')
      .sort((a, b) => b.finishSeq - a.finishSeq)
      .slice(0, limit)
      .map(info);
  }

  /**
   * Runs a dead letter again from attempt 1, now (its delay is not applied again). A flow's parent
   * that failed because a child did retries those failed children too and waits for them again.
   */
  async retry(runId: string): Promise<void> {
    this.assertOpen();
    const entry = this.entries.get(runId);
    if (!entry) throw new NotFoundError('task', runId);
    if (entry.state !== 'failed')
      throw new ConflictError(`task '${runId}' is ${entry.state}, not failed`, { runId, state: entry.state });
    this.reset(entry);
    const flow = entry.flow;
    if (flow?.onChildFailure === 'fail-parent') {
      for (const id of flow.children) {
        const child = this.entries.get(id);
        if (child?.state !== 'failed') continue;
        flow.pending.add(id);
        this.reset(child);
        this.makeWaiting(child);
      }
    }
    if (flow && flow.pending.size > 0) entry.state = 'waiting-children';
    else this.makeWaiting(entry);
    this.schedulePump();
  }

  process(handler: TaskHandler, options: TaskWorkerOptions = {}): TaskWorker {
    this.assertOpen();
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new ValidationError('concurrency must be a positive integer', { field: 'concurrency' });
    const worker: InlineWorker = {
      handler,
      concurrency,
      agents: options.agents && new Set(options.agents),
      running: new Set(),
      closed: false,
      close: (closeOptions) => this.closeWorker(worker, closeOptions?.drain ?? false),
    };
    this.workers.add(worker);
    this.schedulePump();
    return worker;
  }

  /** Closes every worker without draining (active tasks are handed back) and stops all timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.workers].map((worker) => worker.close({ drain: false })));
    this.closed = true;
    for (const entry of this.entries.values()) {
      if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new SwitchyardError(QUEUE_CLOSED, 'the inline task queue is closed');
  }

  private findByKey(key: string | undefined): Entry | undefined {
    const runId = key === undefined ? undefined : this.byKey.get(key);
    return runId === undefined ? undefined : this.entries.get(runId);
  }

  private add(spec: TaskSpec, runId = this.newId()): Entry {
    const now = this.clock.now();
    const entry: Entry = {
      runId,
      spec,
      state: 'waiting',
      attemptsMade: 0,
      submittedAt: new Date(now),
      seq: this.nextSeq++,
      finishSeq: 0,
      notBefore: now + (spec.delayMs ?? 0),
    };
    this.entries.set(runId, entry);
    if (spec.idempotencyKey !== undefined) this.byKey.set(spec.idempotencyKey, runId);
    return entry;
  }

  private forget(entry: Entry): void {
    this.entries.delete(entry.runId);
    const key = entry.spec.idempotencyKey;
    if (key !== undefined && this.byKey.get(key) === entry.runId) this.byKey.delete(key);
  }

  private reset(entry: Entry): void {
    entry.attemptsMade = 0;
    entry.failedReason = undefined;
    entry.finishedAt = undefined;
    entry.notBefore = this.clock.now();
  }

  /** Waiting now, or delayed until `notBefore`. */
  private schedule(entry: Entry): void {
    const wait = entry.notBefore - this.clock.now();
    if (wait <= 0) {
      this.makeWaiting(entry);
      this.schedulePump();
      return;
    }
    entry.state = 'delayed';
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = undefined;
      if (this.entries.get(entry.runId) !== entry || entry.state !== 'delayed') return;
      this.makeWaiting(entry);
      this.schedulePump();
    }, wait);
  }

  private makeWaiting(entry: Entry): void {
    entry.state = 'waiting';
    entry.seq = this.nextSeq++;
  }

  // Coalesces the many state changes of one tick into one dispatch pass, after the caller's
  // synchronous code: tasks submitted together are ordered by priority before any is taken.
  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    for (const worker of this.workers) {
      while (!worker.closed && worker.running.size < worker.concurrency) {
        const next = this.nextFor(worker);
        if (!next) break;
        this.start(worker, next);
      }
    }
  }

  private nextFor(worker: InlineWorker): Entry | undefined {
    let best: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (entry.state !== 'waiting') continue;
      if (worker.agents && !worker.agents.has(entry.spec.agent)) continue;
      if (!best || compare(entry, best) < 0) best = entry;
    }
    return best;
  }

  private start(worker: InlineWorker, entry: Entry): void {
    const controller = new AbortController();
    entry.state = 'active';
    entry.attemptsMade += 1;
    entry.active = { worker, controller };
    const job: TaskJob = {
      runId: entry.resumes ?? entry.runId,
      spec: entry.spec,
      attempt: entry.attemptsMade,
      signal: controller.signal,
      ...(entry.resumes === undefined ? {} : { resume: true }),
    };
    const running = this.attempt(worker, job, controller)
      .then(
        (outcome) => this.settle(entry, controller, outcome),
        (error: unknown) => this.settle(entry, controller, undefined, error),
      )
      .catch((error: unknown) =>
        this.logger.error({ err: error, runId: entry.runId }, 'inline queue bookkeeping failed'),
      )
      .finally(() => {
        worker.running.delete(running);
        this.schedulePump();
      });
    worker.running.add(running);
  }

  /** One attempt of the handler, bounded by the spec's timeout (which aborts the job's signal). */
  private async attempt(
    worker: InlineWorker,
    job: TaskJob,
    controller: AbortController,
  ): Promise<TaskOutcome> {
    const timeoutMs = job.spec.timeoutMs;
    const handled = Promise.resolve().then(() => worker.handler(job));
    if (timeoutMs === undefined) return handled;
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => {
        const error = new SwitchyardError(
          'task_timeout',
          `attempt ${job.attempt} timed out after ${timeoutMs} ms`,
        );
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    // The handler may settle after the timeout; its late result is dropped, never left unhandled.
    handled.catch(() => undefined);
    try {
      return await Promise.race([handled, timedOut]);
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
    }
  }

  private settle(entry: Entry, controller: AbortController, outcome?: TaskOutcome, error?: unknown): void {
    // Handed back by a closing worker (or removed): the attempt's result no longer counts.
    if (entry.active?.controller !== controller || this.entries.get(entry.runId) !== entry) return;
    entry.active = undefined;
    if (outcome) {
      entry.state = 'completed';
      entry.finishedAt = new Date(this.clock.now());
      entry.finishSeq = this.nextSeq++;
      this.logger.debug({ runId: entry.runId, status: outcome.status }, 'task completed');
      if (entry.resumes !== undefined) {
        this.forget(entry); // a wake-up leaves nothing to look up
        return;
      }
      this.trim('completed', this.retainCompleted);
      this.childEnded(entry, false);
      return;
    }
    entry.failedReason = error instanceof Error ? error.message : String(error);
    const attempts = entry.spec.attempts ?? DEFAULT_TASK_ATTEMPTS;
    if (entry.attemptsMade < attempts && !isFinalTaskError(error)) {
      const delay = backoffDelayMs(entry.spec.backoff ?? DEFAULT_TASK_BACKOFF, entry.attemptsMade);
      this.logger.warn(
        { runId: entry.runId, attempt: entry.attemptsMade, delay, err: error },
        'task attempt failed; retrying',
      );
      entry.notBefore = this.clock.now() + delay;
      this.schedule(entry);
      return;
    }
    this.logger.warn({ runId: entry.runId, attempts, err: error }, 'task failed every attempt');
    this.fail(entry, entry.failedReason);
  }

  private fail(entry: Entry, reason: string): void {
    entry.state = 'failed';
    entry.failedReason = reason;
    entry.finishedAt = new Date(this.clock.now());
    entry.finishSeq = this.nextSeq++;
    this.trim('failed', this.retainFailed);
    this.childEnded(entry, true);
  }

  /** Tells a waiting parent that one of its children ended. */
  private childEnded(child: Entry, failed: boolean): void {
    const parent = child.parentRunId === undefined ? undefined : this.entries.get(child.parentRunId);
    const flow = parent?.flow;
    if (!parent || !flow || !flow.pending.delete(child.runId)) return;
    // A parent already failed by another child keeps the count current for a later retry.
    if (parent.state !== 'waiting-children') return;
    if (failed && flow.onChildFailure === 'fail-parent') {
      this.fail(parent, `child ${child.runId} failed: ${child.failedReason ?? 'unknown reason'}`);
      return;
    }
    if (flow.pending.size === 0) this.schedule(parent);
  }

  /** Drops the oldest finished tasks of a state beyond `keep`. */
  private trim(state: 'completed' | 'failed', keep: number): void {
    const finished = [...this.entries.values()].filter((entry) => entry.state === state);
    finished.sort((a, b) => a.finishSeq - b.finishSeq);
    for (const entry of finished.slice(0, Math.max(0, finished.length - keep))) this.forget(entry);
  }

  private async closeWorker(worker: InlineWorker, drain: boolean): Promise<void> {
    worker.closed = true;
    this.workers.delete(worker);
    if (drain) {
      await Promise.all([...worker.running]);
      return;
    }
    // Hand back what this worker runs: abort its attempts and queue the tasks again, the aborted
    // attempt not counted (the run resumes from its snapshot on whichever worker takes it).
    for (const entry of this.entries.values()) {
      if (entry.active?.worker !== worker) continue;
      const { controller } = entry.active;
      entry.active = undefined;
      entry.attemptsMade -= 1;
      this.makeWaiting(entry);
      controller.abort(new SwitchyardError('worker_closed', 'the worker closed; the task was handed back'));
    }
    this.schedulePump();
  }
}

function compare(a: Entry, b: Entry): number {
  const pa = a.spec.priority ?? Number.POSITIVE_INFINITY;
  const pb = b.spec.priority ?? Number.POSITIVE_INFINITY;
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.seq - b.seq;
}

function info(entry: Entry): TaskInfo {
  return {
    runId: entry.runId,
    agent: entry.spec.agent,
    state: entry.state === 'waiting-children' ? 'waiting' : entry.state,
    attemptsMade: entry.attemptsMade,
    ...(entry.failedReason === undefined ? {} : { failedReason: entry.failedReason }),
    submittedAt: entry.submittedAt,
    ...(entry.finishedAt === undefined ? {} : { finishedAt: entry.finishedAt }),
  };
}
