import type { AgentDefinition } from '../../runtime/actors/agent-definition.js';
import type { LiveRunEvent, RunEventFilter } from '../../runtime/actors/run-event-bus.js';
import {
  type ApprovalRecord,
  type ApprovalState,
  isFinalStatus,
  type RunEvent,
  type RunRecord,
  type RunStatus,
} from '../../runtime/actors/run-records.js';
import type { RunSupervisor } from '../../runtime/actors/run-supervisor.js';
import { NotFoundError, SwitchyardError } from '../../runtime/errors.js';
import { parseTaskSpec } from '../../runtime/queue/task-spec-schema.js';
import type { SubmittedTask, TaskInfo, TaskQueue, TaskSpec } from '../../runtime/queue/task-queue.js';

export interface TaskStatus {
  runId: string;
  /** The queue's view (absent once the queue forgot it, or for a run started outside the queue). */
  task?: TaskInfo;
  /** The run's view (absent until a worker started it). */
  run?: RunRecord;
  events: RunEvent[];
}

export interface Decision {
  decidedBy: string;
  reason?: string;
}

/**
 * What every front (HTTP, WebSocket, MCP tools, CLI through the API) does with agent work, in one
 * place: submit to the queue, read a task's state from the queue and its run, cancel, decide
 * approvals, list agents, runs and approvals, follow events.
 */
export class TaskService {
  constructor(
    private readonly queue: TaskQueue,
    private readonly runs: RunSupervisor,
  ) {}

  get queueKind(): string {
    return this.queue.kind;
  }

  listAgents(): AgentDefinition[] {
    return this.runs.listAgents();
  }

  /** Validates the spec (errors name the field) and the agent, then queues it; returns at once. */
  async submit(spec: unknown, requestedBy?: string): Promise<SubmittedTask> {
    const parsed: TaskSpec = parseTaskSpec(spec);
    if (!this.runs.listAgents().some((agent) => agent.name === parsed.agent)) {
      throw new NotFoundError('agent', parsed.agent);
    }
    return this.queue.submit({ ...parsed, ...(requestedBy && !parsed.requestedBy ? { requestedBy } : {}) });
  }

  /** The task's and its run's state with the run's events after `afterSeq`; NotFoundError if neither exists. */
  async status(runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<TaskStatus> {
    const [task, run] = await Promise.all([this.queue.get(runId), this.runs.findRun(runId)]);
    if (!task && !run) throw new NotFoundError('task', runId);
    const events = run ? await this.runs.listEvents(runId, options) : [];
    return { runId, ...(task ? { task } : {}), ...(run ? { run } : {}), events };
  }

  /**
   * Cancels: a task that has not started is removed from the queue; a run is cancelled (its
   * in-flight tool call and model request are aborted where it runs).
   */
  async cancel(runId: string, by: string, reason?: string): Promise<TaskStatus> {
    const removed = await this.queue.remove(runId);
    const run = await this.runs.findRun(runId);
    if (run && !isFinalStatus(run.status)) await this.runs.cancel(runId, by, reason);
    else if (!removed && !run) throw new NotFoundError('task', runId);
    return this.status(runId);
  }

  approve(runId: string, decision: Decision): Promise<ApprovalRecord> {
    return this.runs.decideRun(runId, { approved: true, ...decision });
  }

  reject(runId: string, decision: Decision): Promise<ApprovalRecord> {
    return this.runs.decideRun(runId, { approved: false, ...decision });
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
      const task = await this.queue.get(runId);
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
