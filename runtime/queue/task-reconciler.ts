import type { QueuedRunRecord } from '../actors/run-store.js';
import type { RunRecord } from '../actors/run-records.js';
import { type Logger, silentLogger } from '#core';
import { type TaskQueue, type TaskSpec, withChildren } from './task-queue.js';

/** What the reconciler reads of the runs (the run supervisor provides it). */
export interface ReconcilerRuns {
  listQueued(olderThanMs: number, limit: number): Promise<QueuedRunRecord[]>;
  listStrandedParked(graceMs: number, limit: number): Promise<Array<{ id: string; agent: string }>>;
  listRuns(filter: { parentId: string; limit: number }): Promise<RunRecord[]>;
}

export interface TaskReconcilerOptions {
  queue: TaskQueue;
  runs: ReconcilerRuns;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** How often to look. @defaultValue 30_000 */
  intervalMs?: number;
  /**
   * How old a queued run (or how overdue a parked run's wake-up) must be before it is enqueued
   * again: its own submit or wake-up is left that long to land. @defaultValue 10_000
   */
  graceMs?: number;
  /** Runs looked at per pass, of each kind. @defaultValue 500 */
  batch?: number;
}

/** What one pass did. */
export interface ReconcileReport {
  /** Queued runs handed to the queue again (a job that exists is not duplicated). */
  requeued: number;
  /** Parked runs whose wake-up was queued again. */
  woken: number;
}

/**
 * Rebuilds the queue from the database. The run rows are the record of every accepted task; the
 * queue (BullMQ on Redis without persistence, an inline queue in a process that died) only wakes
 * workers and may lose its jobs. A pass, one indexed query per kind:
 * - queued runs older than `graceMs` are queued again under their run id (BullMQ ignores an add
 *   whose job id exists, the inline queue too, so a job that survived is not duplicated); a flow's
 *   parent is queued again with its children still queued, or alone once none is;
 * - parked runs whose wake-up is overdue by `graceMs` (asleep past their wake time, or decided and
 *   not resumed) get their wake-up again (a duplicate wake-up finds the run taken and ends).
 *
 * Passes run on `start` and at once when the queue reports its engine came back (a Redis restart),
 * both with no grace (every queued run: an inline queue starts empty, and tasks accepted during an
 * outage go out at once), and every `intervalMs` with the grace.
 * So a task whose job was lost starts at most `graceMs + intervalMs` after it was accepted, or
 * right after the reconnect when the reconciling process saw one. Every process with a queue may
 * run one; passes of several processes at once only meet in the queue's own deduplication.
 */
export class TaskReconciler {
  private readonly queue: TaskQueue;
  private readonly runs: ReconcilerRuns;
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly graceMs: number;
  private readonly batch: number;
  private timer: NodeJS.Timeout | undefined;
  private stopReconnect: (() => void) | undefined;
  private running: Promise<ReconcileReport> | undefined;
  private again = false;
  private closed = false;

  constructor(options: TaskReconcilerOptions) {
    this.queue = options.queue;
    this.runs = options.runs;
    this.log = (options.logger ?? silentLogger).child({ component: 'reconciler' });
    this.intervalMs = options.intervalMs ?? 30_000;
    this.graceMs = options.graceMs ?? 10_000;
    this.batch = options.batch ?? 500;
    if (!(this.intervalMs >= 100))
      throw new RangeError(`intervalMs must be at least 100, got ${this.intervalMs}`);
    if (!(this.graceMs >= 0)) throw new RangeError(`graceMs must be 0 or more, got ${this.graceMs}`);
  }

  /** Runs a pass now, then every `intervalMs` and on each reconnect of the queue's engine. */
  start(): void {
    if (this.closed || this.timer) return;
    this.stopReconnect = this.queue.onReconnect?.(() => {
      this.log.info('the queue is back: enqueuing again what it may have lost');
      this.kick(0);
    });
    // At start, nothing this process queued can be in flight: every queued run is looked at.
    this.kick(0);
    this.timer = setInterval(() => this.kick(this.graceMs), this.intervalMs);
    this.timer.unref();
  }

  /**
   * One pass (see the class comment); a pass asked for while one runs makes one more after it.
   * `graceMs` overrides the configured grace (0 on a reconnect).
   */
  reconcile(graceMs = this.graceMs): Promise<ReconcileReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass(graceMs).finally(() => {
      this.running = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        this.kick(0);
      }
    });
    return this.running;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.stopReconnect?.();
  }

  private kick(graceMs: number): void {
    if (this.closed) return;
    this.reconcile(graceMs).catch((error: unknown) =>
      // The queue or the database may be down: the next pass tries again.
      this.log.warn({ err: error }, 'reconciling the queue failed; trying again at the next pass'),
    );
  }

  private async pass(graceMs: number): Promise<ReconcileReport> {
    const queued = await this.runs.listQueued(graceMs, this.batch);
    const byId = new Set(queued.map((run) => run.id));
    let requeued = 0;
    for (const run of queued) {
      if (this.closed) break;
      // A child whose parent is queued too goes out with its parent's flow.
      if (run.parentId !== undefined && byId.has(run.parentId)) continue;
      await (run.task.children ? this.requeueFlow(run) : this.queue.submit(specOf(run), { runId: run.id }));
      requeued += 1;
    }
    let woken = 0;
    for (const run of await this.runs.listStrandedParked(graceMs, this.batch)) {
      if (this.closed) break;
      await this.queue.resume({ runId: run.id, agent: run.agent });
      woken += 1;
    }
    if (requeued + woken > 0) this.log.info({ requeued, woken }, 'queue reconciled with the database');
    return { requeued, woken };
  }

  /** A flow's parent, with those of its children that have not started (in the parent's order). */
  private async requeueFlow(parent: QueuedRunRecord): Promise<void> {
    const order = parent.task.children ?? [];
    const rows = await this.runs.listRuns({ parentId: parent.id, limit: Math.max(1, order.length) });
    const waiting = new Map(
      rows.filter((row) => row.status === 'queued').map((row) => [row.id, row] as const),
    );
    const children = order.filter((id) => waiting.has(id));
    if (children.length === 0) {
      // Every child started already: the parent runs on its own, told its children as before.
      await this.queue.submit(
        { ...specOf(parent), input: withChildren(parent.input, order) },
        { runId: parent.id },
      );
      return;
    }
    await this.queue.submitFlow(
      specOf(parent),
      children.map((id) => childSpec(waiting.get(id)!, parent.task.priority)),
      {
        ...(parent.task.onChildFailure ? { onChildFailure: parent.task.onChildFailure } : {}),
        runIds: { parent: parent.id, children },
      },
    );
  }
}

/** The task spec a queued run was submitted with (its delay counted from its acceptance). */
function specOf(run: QueuedRunRecord): TaskSpec {
  const { priority, timeoutMs, attempts, backoff, delayMs } = run.task;
  const left = delayMs === undefined ? 0 : Math.max(0, run.createdAt.getTime() + delayMs - Date.now());
  return {
    agent: run.agent,
    input: run.input,
    ...(priority !== undefined ? { priority } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(attempts !== undefined ? { attempts } : {}),
    ...(backoff !== undefined ? { backoff } : {}),
    ...(left > 0 ? { delayMs: Math.round(left) } : {}),
    ...(run.parentId !== undefined ? { parentRunId: run.parentId } : {}),
    ...(run.requestedBy !== undefined ? { requestedBy: run.requestedBy } : {}),
  };
}

/** A flow child as it was submitted: its parent's priority, its own agent and input. */
function childSpec(row: RunRecord, priority: number | undefined): TaskSpec {
  return {
    agent: row.agent,
    input: row.input,
    ...(priority !== undefined ? { priority } : {}),
    ...(row.parentId !== undefined ? { parentRunId: row.parentId } : {}),
    ...(row.requestedBy !== undefined ? { requestedBy: row.requestedBy } : {}),
  };
}
