import { createHash, randomUUID } from 'node:crypto';

import {
  type AgentDefinition,
  type LiveRunEvent,
  type RunEventFilter,
  type ApprovalRecord,
  type ApprovalState,
  isFinalStatus,
  type RunEvent,
  type RunRecord,
  type RunStatus,
  type QueuedTask,
  type RunSupervisor,
} from '#runtime/actors';
import {
  ConflictError,
  NotFoundError,
  SwitchyardError,
  ValidationError,
  type Logger,
  silentLogger,
} from '#core';
import {
  parseTaskSpec,
  type SubmittedTask,
  type TaskInfo,
  type TaskQueue,
  type TaskSpec,
} from '#runtime/queue';

/** How long a submit waits for the queue before answering anyway (the task is persisted already). */
const DEFAULT_ENQUEUE_TIMEOUT_MS = 2_000;

/** TaskSpecSchema's bound on `idempotencyKey`. */
const MAX_IDEMPOTENCY_KEY = 200;

export interface TaskStatus {
  runId: string;
  /** The queue's view (absent once the queue forgot it, or for a run started outside the queue). */
  task?: TaskInfo;
  /** The run's view (absent until a worker started it). */
  run?: RunRecord;
  events: RunEvent[];
}

/** What a submit answers: the task's run, and for an agent that fans out, its children's runs. */
export interface SubmittedTaskView extends SubmittedTask {
  /** The children's run ids, in the order the agent's `fanOut` named them (fan-out agents only). */
  children?: string[];
}

/** A dead letter: a task that failed every attempt, and its run when one was started. */
export interface DeadLetter {
  task: TaskInfo;
  /** Absent when the task failed before its run started (an agent its worker lacks, a bad input). */
  run?: RunRecord;
}

export interface Decision {
  decidedBy: string;
  reason?: string;
}

/**
 * What every front (HTTP, WebSocket, MCP tools, CLI through the API) does with agent work, in one
 * place: submit to the queue, read a task's state from the queue and its run, cancel, list and
 * retry dead letters, decide approvals, list agents, runs and approvals, follow events.
 */
export class TaskService {
  private readonly logger: Logger;

  private readonly enqueueTimeoutMs: number;

  /**
   * `options.logger` records who retried a dead letter and enqueues that failed (@defaultValue
   * silentLogger); `options.enqueueTimeoutMs` bounds how long a submit waits for the queue
   * (@defaultValue 2000).
   */
  constructor(
    private readonly queue: TaskQueue,
    private readonly runs: RunSupervisor,
    options: { logger?: Logger; enqueueTimeoutMs?: number } = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.enqueueTimeoutMs = options.enqueueTimeoutMs ?? DEFAULT_ENQUEUE_TIMEOUT_MS;
  }

  get queueKind(): string {
    return this.queue.kind;
  }

  /** The queue's engine as /ready asks it: its kind, and whether it answers in time. */
  get queueHealth(): { readonly kind: string; ping(timeoutMs: number): Promise<void> } {
    return { kind: this.queue.kind, ping: (timeoutMs) => this.queue.ping(timeoutMs) };
  }

  listAgents(): AgentDefinition[] {
    return this.runs.listAgents();
  }

  /**
   * Validates the spec (errors name the field) and the agent, persists the task as a `queued` run,
   * then queues it; returns at once. Accept = persist: the run id is answered only once its row is
   * written, and a task whose enqueue fails (the queue is down) stays `queued` for the reconciler
   * to enqueue later: the answer is the same. An idempotency key is claimed in the same statement
   * as the row (a second submit answers the first run, `created: false`).
   * An agent with `fanOut` is submitted as a flow: its input and every child's are validated
   * here (a bad child is a ValidationError naming its index, and nothing is written or queued).
   */
  async submit(spec: unknown, requestedBy?: string): Promise<SubmittedTaskView> {
    const parsed: TaskSpec = parseTaskSpec(spec);
    const definition = this.agentNamed(parsed.agent);
    if (!definition) throw new NotFoundError('agent', parsed.agent);
    const task = { ...parsed, ...(requestedBy && !parsed.requestedBy ? { requestedBy } : {}) };
    if (definition.fanOut) return this.submitFanOut(definition, task);
    // An input the agent refuses is refused here, naming the field, before anything is written
    // (the worker parses it again when it starts the run).
    definition.parseInput?.(task.input);
    const [accepted] = await this.runs.acceptRuns([queuedRun(randomUUID(), task)]);
    const { runId, created } = accepted!;
    if (accepted!.status === 'queued')
      await this.enqueue(runId, () => this.queue.submit(queueSpec(task), { runId }));
    return { runId, created };
  }

  /**
   * Children inherit who asked and the priority. With a parent idempotency key each child gets one
   * derived from it and its index, so a resubmit answers the same children. Parent and children
   * are accepted in one transaction, then queued as one flow.
   */
  private async submitFanOut(definition: AgentDefinition, task: TaskSpec): Promise<SubmittedTaskView> {
    const input = definition.parseInput ? definition.parseInput(task.input) : task.input;
    const plan = definition.fanOut!(input);
    const children: TaskSpec[] = plan.children.map((child, index) => {
      const agent = this.agentNamed(child.agent);
      if (!agent)
        throw new ValidationError(`children[${index}]: agent '${child.agent}' is not defined`, {
          field: `children.${index}.agent`,
        });
      let childInput: unknown;
      try {
        childInput = agent.parseInput ? agent.parseInput(child.input) : child.input;
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const field = typeof error.details.field === 'string' ? `.${error.details.field}` : '';
        throw new ValidationError(
          `children[${index}]: ${error.message}`,
          { ...error.details, field: `children.${index}${field}` },
          error,
        );
      }
      return {
        agent: agent.name,
        input: childInput,
        ...(task.requestedBy ? { requestedBy: task.requestedBy } : {}),
        ...(task.priority !== undefined ? { priority: task.priority } : {}),
        ...(task.idempotencyKey !== undefined
          ? { idempotencyKey: childKey(task.idempotencyKey, index) }
          : {}),
      };
    });
    const parentId = randomUUID();
    const childIds = children.map(() => randomUUID());
    const onChildFailure = plan.onChildFailure ?? 'fail-parent';
    const accepted = await this.runs.acceptRuns([
      queuedRun(parentId, { ...task, input }, { onChildFailure, children: childIds }),
      ...children.map((child, index) => queuedRun(childIds[index]!, { ...child, parentRunId: parentId })),
    ]);
    const [parent, ...acceptedChildren] = accepted;
    if (parent!.created)
      await this.enqueue(parentId, () =>
        this.queue.submitFlow(
          queueSpec({ ...task, input }),
          children.map((child) => queueSpec(child)),
          { onChildFailure, runIds: { parent: parentId, children: childIds } },
        ),
      );
    return {
      runId: parent!.runId,
      created: parent!.created,
      children: acceptedChildren.map((child) => child.runId),
    };
  }

  /**
   * Hands an accepted task to the queue, bounded in time: the queue may be down (Redis
   * restarting), and the task is safe in the database already. A failure or a timeout is logged,
   * not thrown: the reconciler enqueues the run again once the queue answers.
   */
  private async enqueue(runId: string, add: () => Promise<unknown>): Promise<void> {
    const adding = add();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.enqueueTimeoutMs);
    });
    try {
      if ((await Promise.race([adding, late])) === 'late') {
        // The add may still land when the engine is back; the job id is the run id, so the
        // reconciler's own add of the same run then changes nothing.
        adding.catch(() => undefined);
        this.logger.warn(
          { runId, timeoutMs: this.enqueueTimeoutMs },
          'task queued in the database; the queue is slow or down, the reconciler will enqueue it',
        );
      }
    } catch (error) {
      this.logger.warn(
        { err: error, runId },
        'task queued in the database; the queue refused it, the reconciler will enqueue it',
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private agentNamed(name: string): AgentDefinition | undefined {
    return this.runs.findAgent(name);
  }

  /** The task's and its run's state with the run's events after `afterSeq`; NotFoundError if neither exists. */
  async status(runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<TaskStatus> {
    const [task, run] = await Promise.all([this.queueGet(runId), this.runs.findRun(runId)]);
    if (!task && !run) throw new NotFoundError('task', runId);
    const events = run ? await this.runs.listEvents(runId, options) : [];
    return { runId, ...(task ? { task } : {}), ...(run ? { run } : {}), events };
  }

  /**
   * Cancels: a task that has not started is removed from the queue; a run is cancelled (its
   * in-flight tool call and model request are aborted where it runs).
   */
  async cancel(runId: string, by: string, reason?: string): Promise<TaskStatus> {
    // A queue that is down keeps its job; the cancelled run is final, so a worker that takes the
    // job later finds it so and ends at once.
    const removed = await bounded(this.queue.remove(runId), this.enqueueTimeoutMs).catch(() => false);
    const run = await this.runs.findRun(runId);
    if (run && !isFinalStatus(run.status)) await this.runs.cancel(runId, by, reason);
    else if (!removed && !run) throw new NotFoundError('task', runId);
    return this.status(runId);
  }

  /**
   * The queue's view of a task, or undefined when the queue does not answer in time (down, or
   * restarting): the run's row answers for the task then. The queue never holds a reader up.
   */
  private async queueGet(runId: string): Promise<TaskInfo | undefined> {
    try {
      return await bounded(this.queue.get(runId), this.enqueueTimeoutMs);
    } catch (error) {
      this.logger.debug({ err: error, runId }, 'the queue did not answer for a task; answering from its run');
      return undefined;
    }
  }

  /** Dead letters, newest first, at most `limit`, each with its run when one exists. */
  async listFailed(limit = 100): Promise<DeadLetter[]> {
    const tasks = await bounded(this.queue.listFailed(limit), this.enqueueTimeoutMs);
    // One read for every dead letter's run.
    const runs = await this.runs.listRuns({ ids: tasks.map((task) => task.runId), limit: tasks.length });
    const runById = new Map(runs.map((run) => [run.id, run]));
    return tasks.map((task) => {
      const run = runById.get(task.runId);
      return run ? { task, run } : { task };
    });
  }

  /**
   * Runs a dead letter again (its attempts start over) and answers the task's state.
   *
   * Only a task whose run can still make progress is worth it:
   * - A run still `queued`: the task failed before its run started (the workers lacked the
   *   agent, ...). The retry starts the run, now that the cause may be fixed.
   * - A run that is not final: the attempts timed out or stalled while the run itself stayed
   *   resumable. The retry resumes it from its snapshot.
   * - A final run (its statechart reached a failed end, a limit stopped it, or it ended otherwise):
   *   a retry would only find that run again, so it is refused with a ConflictError that names
   *   the run's error; submit the task again (`POST /v1/tasks`) for a new run.
   *
   * NotFoundError when neither the queue nor the store knows `runId`; ConflictError when the task
   * is not a dead letter (waiting, active, completed, or forgotten by the queue).
   */
  async retry(runId: string, by: string): Promise<TaskStatus> {
    const [task, run] = await Promise.all([this.queue.get(runId), this.runs.findRun(runId)]);
    if (!task && !run) throw new NotFoundError('task', runId);
    if (!task)
      throw new ConflictError(
        `task '${runId}' is not a dead letter: the queue no longer holds it (its run is ${run!.status})`,
        { runId, runStatus: run!.status },
      );
    if (task.state !== 'failed')
      throw new ConflictError(
        `task '${runId}' is ${task.state}, not a dead letter: only a task that failed every attempt can be retried`,
        { runId, state: task.state },
      );
    if (run && isFinalStatus(run.status)) {
      const why = run.error ? `${run.error.code}: ${run.error.message}` : 'no error recorded';
      const message =
        run.status === 'failed'
          ? `run '${runId}' failed (${why}); a retry would only find the failed run again: submit the task again (POST /v1/tasks) for a new run`
          : `run '${runId}' is already ${run.status}; a retry would only find it again: submit the task again (POST /v1/tasks) for a new run`;
      throw new ConflictError(message, {
        runId,
        runStatus: run.status,
        ...(run.error ? { runError: { code: run.error.code, message: run.error.message } } : {}),
      });
    }
    try {
      await this.queue.retry(runId);
    } catch (error) {
      // Retried, removed or trimmed by someone else between the look and the retry.
      if (
        error instanceof SwitchyardError &&
        ['validation_failed', 'conflict', 'not_found'].includes(error.code)
      )
        throw new ConflictError(`task '${runId}' is no longer a dead letter: ${error.message}`, { runId });
      throw error;
    }
    this.logger.info(
      {
        runId,
        agent: task.agent,
        by,
        attemptsMade: task.attemptsMade,
        failedReason: task.failedReason,
        run: run?.status ?? null,
      },
      'dead letter retried',
    );
    return this.status(runId);
  }

  approve(runId: string, decision: Decision): Promise<ApprovalRecord> {
    return this.decide(runId, { approved: true, ...decision });
  }

  reject(runId: string, decision: Decision): Promise<ApprovalRecord> {
    return this.decide(runId, { approved: false, ...decision });
  }

  /**
   * A run with nothing pending is `run_state_invalid`, unless there is no such run at all: then
   * `not_found`. Decided here, once, so REST, the event socket and the MCP tools answer alike.
   */
  private async decide(runId: string, decision: Decision & { approved: boolean }): Promise<ApprovalRecord> {
    try {
      return await this.runs.decideRun(runId, decision);
    } catch (error) {
      // status() rejects with not_found for a run neither the queue nor the store knows.
      if (error instanceof SwitchyardError && error.code === 'run_state_invalid')
        await this.status(runId, { limit: 1 });
      throw error;
    }
  }

  listApprovals(
    filter: { state?: ApprovalState; runId?: string; limit?: number } = {},
  ): Promise<ApprovalRecord[]> {
    return this.runs.listApprovals(filter);
  }

  listRuns(
    filter: { status?: RunStatus | RunStatus[]; agent?: string; limit?: number } = {},
  ): Promise<RunRecord[]> {
    return this.runs.listRuns(filter);
  }

  /**
   * Waits until the run stops (final or parked for a person); rejects on `signal` or after
   * `timeoutMs`. A task still in the queue has no run yet: its run is waited for first.
   */
  async waitForStop(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<RunRecord> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.runs.findRun(runId))) {
      signal?.throwIfAborted();
      const task = await this.queueGet(runId);
      if (!task) throw new NotFoundError('task', runId);
      if (task.state === 'failed')
        throw new SwitchyardError('task_failed', `task ${runId} failed: ${task.failedReason ?? ''}`);
      if (Date.now() > deadline)
        throw new SwitchyardError('timeout', `task ${runId} did not start in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stops: RunStatus[] = ['completed', 'failed', 'cancelled', 'awaiting_approval', 'needs_attention'];
    return this.runs.waitFor(
      runId,
      (status) => stops.includes(status),
      Math.max(1, deadline - Date.now()),
      signal,
    );
  }

  /** Live run events of runs this process hosts (cross-process delivery is not built yet). */
  subscribe(listener: (event: LiveRunEvent) => void, filter?: RunEventFilter): () => void {
    return this.runs.subscribe(listener, filter);
  }
}

/** A child's idempotency key: the parent's and the child's index, hashed when that would be too long. */
function childKey(parentKey: string, index: number): string {
  const key = `${parentKey}/child-${index}`;
  if (key.length <= MAX_IDEMPOTENCY_KEY) return key;
  return `${createHash('sha256').update(parentKey).digest('hex')}/child-${index}`;
}

/** A task as its queued run: the spec's queue part kept in `task`, for enqueuing it again. */
function queuedRun(id: string, spec: TaskSpec, flow: Pick<QueuedTask, 'onChildFailure' | 'children'> = {}) {
  const {
    agent,
    input,
    idempotencyKey,
    parentRunId,
    requestedBy,
    priority,
    timeoutMs,
    attempts,
    backoff,
    delayMs,
  } = spec;
  const task: QueuedTask = {
    ...(priority !== undefined ? { priority } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(attempts !== undefined ? { attempts } : {}),
    ...(backoff !== undefined ? { backoff } : {}),
    ...(delayMs !== undefined ? { delayMs } : {}),
    ...flow,
  };
  return {
    id,
    agent,
    input,
    task,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(parentRunId !== undefined ? { parentId: parentRunId } : {}),
    ...(requestedBy !== undefined ? { requestedBy } : {}),
  };
}

/** The spec the queue gets: its idempotency was settled by the run's row, so the key stays out. */
function queueSpec(spec: TaskSpec): TaskSpec {
  const { idempotencyKey: _settled, ...rest } = spec;
  return rest;
}

/** `work`, or a `queue_unavailable` error once `ms` passed (a queue that is down may never answer). */
function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new SwitchyardError('queue_unavailable', `the task queue did not answer within ${ms} ms`)),
      ms,
    );
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
