import type { AcceptedRun, NewQueuedRun, QueuedRunRecord } from './run-store.js';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
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
import type { ChatModel } from '../llm/chat-model.js';
import {
  type AgentDefinition,
  type AgentPolicy,
  type AgentPolicyInput,
  resolvePolicy,
} from './agent-definition.js';
import { ApprovalWaiters } from './approval-waiters.js';
import { LiveRun } from './live-run.js';
import { RunStateError } from './run-errors.js';
import { type LiveRunEvent, RunEventBus, type RunEventFilter } from './run-event-bus.js';
import {
  type ApprovalRecord,
  type ApprovalState,
  isFinalStatus,
  type LandedStatus,
  type RunEvent,
  type RunRecord,
  type RunStatus,
} from './run-records.js';
import { JournaledRunServices } from './run-services.js';
import { type RunStatusSource, waitForRunStatus } from './run-status-wait.js';
import { PARKED_OWNER, type RunFilter, type RunStore } from './run-store.js';
import type { ToolCatalog } from './tool-catalog.js';

export interface RunSupervisorOptions {
  store: RunStore;
  tools: ToolCatalog;
  agents: readonly AgentDefinition[];
  /** The model a run of this agent uses; undefined runs the agent offline. @defaultValue none */
  modelFor?: (agent: AgentDefinition) => ChatModel | undefined;
  /** @defaultValue a new bus */
  bus?: RunEventBus;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** This supervisor's name in `runs.owner`. @defaultValue host:pid:random */
  owner?: string;
  /** How long a claim on a run lasts without renewal; renewed every third of it. @defaultValue 30000 */
  leaseMs?: number;
  /**
   * This supervisor owns the whole store (embedded PGlite: one process per data directory), so
   * every unfinished run it finds at start is an orphan, whatever its lease says. @defaultValue false
   */
  exclusive?: boolean;
  /** Per-agent policy overrides from config (`agents.policies`), by agent name. */
  policies?: Record<string, AgentPolicyInput>;
  /**
   * Hands a run that must go on to the task queue: a parked run whose approval was decided (at
   * once), or whose rest ends (at `at`). With it, resting runs can {@link RunSupervisor.park};
   * without it, a decided run resumes in this process and runs never park. @defaultValue none
   */
  continueRun?: (run: { id: string; agent: string }, at?: Date) => Promise<void>;
  /**
   * Take over runs whose owner died at every lease tick. A bridge that leaves running to queue
   * workers turns it off, so agent work never lands on it. @defaultValue true
   */
  adoptOrphans?: boolean;
}

/** A rest shorter than this keeps the run in its process: parking would cost more than it saves. */
export const PARK_MIN_MS = 2_000;

export interface StartRunOptions {
  requestedBy?: string;
  parentId?: string;
  /** @defaultValue a random UUID */
  id?: string;
}

/**
 * The parent of every run on this node (the "run supervisor" of docs/agents-and-runs.md): it starts
 * runs as XState actors, resumes orphaned ones from their last snapshot, holds their leases, restarts a
 * crashed actor within its agent's policy, and is the one door for cancel and approval decisions.
 */
export class RunSupervisor {
  readonly owner: string;
  readonly bus: RunEventBus;
  /** What waitFor looks at (run-status-wait.ts). */
  private readonly statusSource: RunStatusSource;
  private readonly store: RunStore;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly agents = new Map<string, AgentDefinition>();
  private readonly live = new Map<string, LiveRun>();
  /** Runs no longer live here whose last writes have not landed yet. */
  private readonly settling = new Map<string, LiveRun>();
  private readonly waiters = new ApprovalWaiters();
  /** `status` (runId, status) after a status landed in the store: what waitFor listens to. */
  private readonly statuses = new EventEmitter().setMaxListeners(0);
  private tick?: TimerHandle;
  private watchdog?: TimerHandle;
  /** When this process last knew it held its runs (a renewal landed, or it held none). */
  private heldAt: number;
  private closed = false;

  constructor(private readonly options: RunSupervisorOptions) {
    this.store = options.store;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.bus = options.bus ?? new RunEventBus(this.logger);
    this.statusSource = {
      // A run live here (or that just stopped here) has writes in flight: the store shows them after.
      settled: (id) => {
        const here = this.live.get(id) ?? this.settling.get(id);
        return here?.flushed().then(() => here.landed);
      },
      isLiveHere: (id) => this.live.has(id),
      resting: (id) => this.restsLongEnough(id),
      statuses: this.statuses,
      bus: this.bus,
    };
    this.leaseMs = options.leaseMs ?? 30_000;
    this.heldAt = this.clock.now();
    if (!(this.leaseMs >= 100))
      throw new ValidationError('leaseMs must be at least 100', { leaseMs: this.leaseMs });
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    for (const agent of options.agents) {
      if (this.agents.has(agent.name)) throw new ValidationError(`agent '${agent.name}' is defined twice`);
      this.agents.set(agent.name, agent);
    }
  }

  listAgents(): AgentDefinition[] {
    return [...this.agents.values()];
  }

  /** Starts lease renewal and resumes every orphaned run. Returns the ids resumed. */
  async start(): Promise<string[]> {
    this.scheduleTick();
    this.scheduleWatchdog();
    return this.resumeOrphans();
  }

  get liveRunCount(): number {
    return this.live.size;
  }

  async startRun(agentName: string, input: unknown, options: StartRunOptions = {}): Promise<RunRecord> {
    const run = await this.startRunIfNew(agentName, input, options);
    if (!run) throw new ConflictError(`run '${options.id}' exists already`, { runId: options.id });
    return run;
  }

  /**
   * {@link startRun}, except that a run with `options.id` that exists already is left as it is
   * (undefined): one statement decides, so a queue worker needs no read before it starts a task.
   */
  async startRunIfNew(
    agentName: string,
    input: unknown,
    options: StartRunOptions = {},
  ): Promise<RunRecord | undefined> {
    this.assertOpen();
    const definition = this.agentNamed(agentName);
    const parsed = definition.parseInput ? definition.parseInput(input) : input;
    const policy = this.policyOf(definition);
    const id = options.id ?? randomUUID();
    // Written with the run: a worker killed right after the INSERT leaves a run whose log begins.
    const started: RunEvent = {
      runId: id,
      seq: 1,
      type: 'run_started',
      data: { input: parsed ?? null, owner: this.owner },
      at: new Date(this.clock.now()),
    };
    const run = await this.store.createRun({
      id,
      agent: definition.name,
      agentVersion: definition.version,
      input: parsed ?? null,
      owner: this.owner,
      leaseMs: this.leaseMs,
      deadlineAt: new Date(this.clock.now() + policy.limits.timeoutMs),
      ...(options.parentId ? { parentId: options.parentId } : {}),
      ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}),
      events: [started],
    });
    if (!run) return undefined;
    this.launch(run, definition, undefined, { written: started });
    return run;
  }

  /** Claims and resumes runs whose owner is gone (or all unfinished ones when exclusive). */
  async resumeOrphans(): Promise<string[]> {
    this.assertOpen();
    const ids = await this.store.claimOrphans(this.owner, this.leaseMs, {
      all: this.options.exclusive ?? false,
    });
    const resumed: string[] = [];
    for (const id of ids) {
      if (this.live.has(id)) continue;
      if (await this.resumeClaimed(id)) resumed.push(id);
    }
    return resumed;
  }

  /** Resumes one run on this node if it is free (or `force`: take it whatever its lease says). */
  async resumeRun(id: string, options: { force?: boolean } = {}): Promise<boolean> {
    this.assertOpen();
    if (this.live.has(id)) return true;
    if (!(await this.store.claimRun(id, this.owner, this.leaseMs, options))) return false;
    return this.resumeClaimed(id);
  }

  findRun(id: string): Promise<RunRecord | undefined> {
    return this.store.getRun(id);
  }

  async getRun(id: string): Promise<RunRecord> {
    const run = await this.store.getRun(id);
    if (!run) throw new NotFoundError('run', id);
    return run;
  }

  listRuns(filter?: RunFilter): Promise<RunRecord[]> {
    return this.store.listRuns(filter);
  }

  /**
   * Accepts tasks as `queued` runs (see RunStore.acceptRuns): the task is durable from here on,
   * whatever becomes of the queue. Each run is recorded with its agent's version here.
   */
  acceptRuns(runs: ReadonlyArray<Omit<NewQueuedRun, 'agentVersion'>>): Promise<AcceptedRun[]> {
    this.assertOpen();
    return this.store.acceptRuns(
      runs.map((run) => ({ ...run, agentVersion: this.agentNamed(run.agent).version })),
    );
  }

  /** Queued runs older than `olderThanMs` (the reconciler enqueues them again). */
  listQueued(olderThanMs: number, limit: number): Promise<QueuedRunRecord[]> {
    return this.store.listQueued(olderThanMs, limit);
  }

  /** Parked runs whose wake-up is overdue by `graceMs` (the reconciler wakes them again). */
  listStrandedParked(graceMs: number, limit: number): Promise<Array<{ id: string; agent: string }>> {
    return this.store.listStrandedParked(graceMs, limit);
  }

  /**
   * Ends a run that was accepted but cannot start (its input does not parse for its agent): it is
   * `failed` with that error rather than queued for ever. False when it was no longer queued.
   */
  async failQueued(runId: string, error: { code: string; message: string }): Promise<boolean> {
    return this.store.failQueued(runId, error);
  }

  listEvents(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<RunEvent[]> {
    return this.store.listEvents(runId, options);
  }

  listApprovals(filter?: {
    state?: ApprovalState;
    runId?: string;
    limit?: number;
  }): Promise<ApprovalRecord[]> {
    return this.store.listApprovals(filter);
  }

  subscribe(listener: (event: LiveRunEvent) => void, filter?: RunEventFilter): () => void {
    return this.bus.subscribe(listener, filter);
  }

  /**
   * Decides an approval. The waiting run continues here if it is live here, on its owner if that
   * is alive (found at its next lease tick), or here after being claimed when nobody owns it.
   */
  async decide(
    approvalId: string,
    decision: { approved: boolean; decidedBy: string; reason?: string },
  ): Promise<ApprovalRecord> {
    const { approval, changed } = await this.store.decideApproval(approvalId, decision);
    if (!changed) {
      throw new RunStateError(approval.runId, `approval '${approvalId}' is already ${approval.state}`, {
        approvalId,
        state: approval.state,
      });
    }
    this.logger.info(
      { approvalId, runId: approval.runId, state: approval.state, by: decision.decidedBy },
      'approval decided',
    );
    if (!this.waiters.settle(approval) && !this.closed) {
      await this.continueDecided(approval.runId).catch((error: unknown) =>
        this.logger.warn(
          { err: error, runId: approval.runId },
          'could not resume the run after its approval',
        ),
      );
    }
    return approval;
  }

  /** A decided run not waiting here goes on through the queue when there is one, else here. */
  private async continueDecided(runId: string): Promise<void> {
    const { continueRun } = this.options;
    if (!continueRun) {
      await this.resumeRun(runId);
      return;
    }
    const run = await this.getRun(runId);
    // Live elsewhere: its owner picks the decision up at its next lease tick.
    if (run.owner === PARKED_OWNER || run.owner === undefined) await continueRun(run);
  }

  /** Decides the one pending approval of a run (the common case for CLIs and APIs). */
  async decideRun(
    runId: string,
    decision: { approved: boolean; decidedBy: string; reason?: string },
  ): Promise<ApprovalRecord> {
    const pending = await this.store.listApprovals({ runId, state: 'pending' });
    if (pending.length === 0) throw new RunStateError(runId, 'has no pending approval');
    if (pending.length > 1) {
      throw new RunStateError(runId, `has ${pending.length} pending approvals; decide one by its id`, {
        approvals: pending.map((a) => a.id),
      });
    }
    return this.decide(pending[0]!.id, decision);
  }

  /** Resolves when every write of every live run queued so far has landed. */
  async flushed(): Promise<void> {
    await Promise.all([...this.live.values()].map((run) => run.flushed()));
  }

  /**
   * Sends an event to a run's statechart. The run must be live on this node (issue 6's queue
   * routes events to the node that holds a run).
   */
  send(runId: string, event: { type: string; [key: string]: unknown }): void {
    const live = this.live.get(runId);
    if (!live) throw new RunStateError(runId, 'is not live on this node');
    live.send(event);
  }

  /** Cancels a run: in-flight tool and model calls are aborted (the upstream sees the cancel). */
  async cancel(runId: string, by: string, reason?: string): Promise<RunRecord> {
    const live = this.live.get(runId);
    if (live) {
      live.cancel(by, reason);
      await live.flushed();
      return this.getRun(runId);
    }
    const run = await this.getRun(runId);
    if (isFinalStatus(run.status))
      throw new RunStateError(runId, `is already ${run.status}`, { status: run.status });
    // Not live here: mark it; its owner (if any) loses its lease on the next write and stops.
    return this.setStatusHere(
      run,
      'cancelled',
      { code: 'run_cancelled', message: `cancelled by ${by}` },
      {
        by,
        ...(reason ? { reason } : {}),
      },
    );
  }

  /**
   * Resolves once the run's status satisfies `done` (checked on its events), or rejects at the
   * timeout. `resting` tells whether the run, live here, rests long enough to {@link park}.
   */
  waitFor(
    runId: string,
    done: (status: RunStatus, resting: boolean) => boolean,
    timeoutMs = 60_000,
    signal?: AbortSignal,
  ): Promise<RunRecord> {
    return waitForRunStatus(this.statusSource, (id) => this.getRun(id), runId, done, timeoutMs, signal);
  }

  /**
   * {@link waitFor} for a caller that needs only the status (a queue worker): a run live here or
   * that just stopped here answers from its last landed checkpoint, without reading the store.
   */
  waitForStatus(
    runId: string,
    done: (status: RunStatus, resting: boolean) => boolean,
    timeoutMs = 60_000,
    signal?: AbortSignal,
  ): Promise<LandedStatus> {
    const landedOrRead = async (id: string, landed: LandedStatus | undefined): Promise<LandedStatus> =>
      landed ?? (await this.getRun(id));
    return waitForRunStatus(this.statusSource, landedOrRead, runId, done, timeoutMs, signal);
  }

  /** Whether the run is live in this process. */
  isLiveHere(runId: string): boolean {
    return this.live.has(runId);
  }

  /** Whether runs can park here (a queue takes them back: `continueRun`). */
  get parks(): boolean {
    return this.options.continueRun !== undefined;
  }

  /**
   * Parks a run that rests (nothing in flight; only a sleep or a person's decision pending): its
   * actor stops here, its snapshot stays in the store under {@link PARKED_OWNER}, and `continueRun`
   * is asked to bring it back when its rest ends. A decision brings it back earlier (`decide`).
   * Returns when it must be back (null: only a decision brings it back), or undefined when the run
   * does not rest long enough here (or parking is off).
   */
  async park(runId: string): Promise<{ until: Date | null } | undefined> {
    const live = this.live.get(runId);
    const continueRun = this.options.continueRun;
    if (!live || !continueRun) return undefined;
    await live.flushed();
    // No await between this check and the detach: nothing can start in between.
    if (!this.restsLongEnough(runId)) return undefined;
    const restUntil = live.restingUntil();
    const until = restUntil === null || restUntil === undefined ? null : new Date(restUntil);
    const approvals = live.pendingApprovalIds;
    live.emit('run_parked', { until: until?.toISOString() ?? null, approvals });
    live.detach();
    await live.flushed();
    if (!(await this.store.park(runId, this.owner, until))) return undefined; // taken meanwhile
    const run = { id: runId, agent: live.agent };
    if (until) await continueRun(run, until);
    // A decision taken elsewhere while this process still held the run found nobody to wake.
    for (const id of approvals) {
      const approval = await this.store.getApproval(id);
      if (approval && approval.state !== 'pending') {
        await continueRun(run);
        break;
      }
    }
    this.logger.debug({ runId, until }, 'run parked');
    return { until };
  }

  private restsLongEnough(runId: string): boolean {
    if (!this.parks) return false;
    const until = this.live.get(runId)?.restingUntil();
    return until === null || (until !== undefined && until - this.clock.now() >= PARK_MIN_MS);
  }

  /**
   * Stops every live run here without changing its status and gives up their leases, so another
   * supervisor (or this one, restarted) resumes them. In-flight writes land first.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.tick !== undefined) this.clock.clearTimeout(this.tick);
    if (this.watchdog !== undefined) this.clock.clearTimeout(this.watchdog);
    const runs = [...this.live.values()];
    for (const run of runs) run.detach();
    for (const run of runs) {
      await run.flushed();
      await this.store
        .release(run.id, this.owner)
        .catch((error: unknown) =>
          this.logger.warn({ err: error, runId: run.id }, 'could not release the run'),
        );
    }
  }

  /** Sets the status of a run that is not live here, with its event in the log and to waiters. */
  private async setStatusHere(
    run: RunRecord,
    status: RunStatus,
    error: { code: string; message: string },
    data: Record<string, unknown> = {},
  ): Promise<RunRecord> {
    const seq = (await this.store.lastEventSeq(run.id)) + 1;
    const event = {
      runId: run.id,
      seq,
      type: `run_${status}`,
      data: { ...data, error },
      at: new Date(this.clock.now()),
    };
    await this.store.appendEvents([event]);
    this.bus.publish({ ...event, agent: run.agent });
    const updated = await this.store.setStatus(run.id, status, error);
    this.statuses.emit('status', run.id, status);
    return updated;
  }

  private async resumeClaimed(id: string): Promise<boolean> {
    const stored = await this.store.loadSnapshot(id);
    if (!stored) return false;
    const { run, snapshot } = stored;
    const definition = this.agents.get(run.agent);
    if (!definition || definition.version !== run.agentVersion) {
      const why = !definition
        ? `agent '${run.agent}' is not defined on this node`
        : `agent '${run.agent}' is version ${definition.version} here, the run was started on ${run.agentVersion}`;
      this.logger.warn({ runId: id }, why);
      await this.setStatusHere(run, 'needs_attention', { code: 'agent_version_mismatch', message: why });
      return false;
    }
    const lastSeq = await this.store.lastEventSeq(id);
    this.launch(run, definition, snapshot, {
      lastSeq,
      type: 'run_resumed',
      data: { owner: this.owner, fromSnapshot: snapshot !== undefined, status: run.status },
    });
    return true;
  }

  private launch(
    run: RunRecord,
    definition: AgentDefinition,
    snapshot: unknown,
    /** Its first event here: one already written with the run, or one to append after `lastSeq`. */
    first: { written: RunEvent } | { lastSeq: number; type: string; data: Record<string, unknown> },
  ): void {
    const live = new LiveRun({
      run,
      definition,
      policy: this.policyOf(definition),
      owner: this.owner,
      store: this.store,
      bus: this.bus,
      logger: this.logger,
      clock: this.clock,
      lastSeq: 'written' in first ? first.written.seq : first.lastSeq,
      onGone: (gone) => {
        if (this.live.get(gone.id) === gone) this.live.delete(gone.id);
        // Until its last writes land, a look at the run (waitFor) waits for them.
        this.settling.set(gone.id, gone);
        void gone.flushed().finally(() => {
          if (this.settling.get(gone.id) === gone) this.settling.delete(gone.id);
        });
      },
      onCheckpointed: (checkpointed, status) => this.statuses.emit('status', checkpointed.id, status),
      onCrash: (crashed, error) => {
        this.live.delete(crashed.id);
        void this.restartAfterCrash(crashed, definition, error);
      },
    });
    this.live.set(run.id, live);
    const model = this.options.modelFor?.(definition);
    const services = new JournaledRunServices({
      live,
      store: this.store,
      tools: this.options.tools,
      waiters: this.waiters,
      clock: this.clock,
      ...(model ? { model } : {}),
      ...(run.requestedBy ? { requestedBy: run.requestedBy } : {}),
    });
    if ('written' in first) this.bus.publish({ ...first.written, agent: run.agent });
    else live.emit(first.type, first.data);
    try {
      live.start(definition.createMachine(services), snapshot);
    } catch (error) {
      // A snapshot that does not restore into this machine: set the run aside, keep the data.
      this.logger.error({ err: error, runId: run.id }, 'the run could not be started from its snapshot');
      live.needsAttention(error);
    }
  }

  private async restartAfterCrash(live: LiveRun, definition: AgentDefinition, error: unknown): Promise<void> {
    try {
      await live.flushed();
      const restarts = await this.store.countRestart(live.id);
      const { maxRestarts } = this.policyOf(definition);
      if (restarts > maxRestarts || this.closed) {
        await this.setStatusHere(await this.getRun(live.id), 'failed', {
          code: 'run_crashed',
          message: `the run's actor failed ${restarts} times (restart limit ${maxRestarts}): ${error instanceof Error ? error.message : String(error)}`,
        });
        return;
      }
      this.logger.info({ runId: live.id, restarts }, 'restarting the run from its last snapshot');
      await this.resumeClaimed(live.id);
    } catch (failure) {
      this.logger.error({ err: failure, runId: live.id }, 'restarting the run failed');
    }
  }

  /**
   * Security of the lease: a process cut off from the database (a partition) cannot renew, and
   * after `leaseMs` another worker may take its runs over. It stops them itself at that point,
   * whatever its database calls are doing (they may be retrying for minutes): no tool call or
   * model request of a run it no longer holds goes on here. Its writes are refused anyway (they
   * are lease-guarded); this stops the effects the database does not see.
   */
  private scheduleWatchdog(): void {
    if (this.closed) return;
    this.watchdog = this.clock.setTimeout(
      () => {
        if (this.live.size === 0) this.heldAt = this.clock.now();
        else if (this.clock.now() - this.heldAt > this.leaseMs) {
          const runs = [...this.live.values()];
          this.logger.warn(
            { runs: runs.map((run) => run.id), sinceMs: this.clock.now() - this.heldAt },
            'no lease renewal for longer than the lease: stopping the runs here (another worker may hold them now)',
          );
          for (const run of runs) run.detach();
        }
        this.scheduleWatchdog();
      },
      Math.max(50, Math.floor(this.leaseMs / 4)),
    );
  }

  private scheduleTick(): void {
    if (this.closed) return;
    this.tick = this.clock.setTimeout(
      () => {
        this.onTick()
          .catch((error: unknown) => this.logger.warn({ err: error }, 'run lease tick failed'))
          .finally(() => this.scheduleTick());
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
  }

  /** Renews leases; takes over orphans; picks up decisions and cancellations made by other processes. */
  private async onTick(): Promise<void> {
    // A run whose owner died (its lease ran out) is taken over by whoever ticks next, whether a
    // queue job still holds it or not (a job ends when its run parks; the run may go on after).
    if (!this.options.exclusive && (this.options.adoptOrphans ?? true)) {
      const resumed = await this.resumeOrphans();
      if (resumed.length > 0) this.logger.info({ runs: resumed }, 'took over runs whose owner is gone');
    }
    const asked = this.clock.now();
    if (this.live.size === 0) {
      this.heldAt = asked;
      return;
    }
    await this.store.renewLeases(this.owner, this.leaseMs);
    // Held since the renewal was asked for (not since it answered: it may have waited on the network).
    this.heldAt = asked;
    for (const id of this.waiters.pendingIds()) {
      const approval = await this.store.getApproval(id);
      if (approval) this.waiters.settle(approval);
    }
    // A run cancelled elsewhere, or taken over after a lapse of this process, stops here.
    const checked = [...this.live.values()];
    const owned = new Set(await this.store.ownedRunIds(this.owner));
    for (const live of checked) if (!owned.has(live.id)) live.detach();
  }

  private policyOf(definition: AgentDefinition): AgentPolicy {
    const override = this.options.policies?.[definition.name];
    const base = definition.policy ?? {};
    return resolvePolicy({ ...base, ...override, limits: { ...base.limits, ...override?.limits } });
  }

  /** The agent defined here under `name`, if any. */
  findAgent(name: string): AgentDefinition | undefined {
    return this.agents.get(name);
  }

  private agentNamed(name: string): AgentDefinition {
    const agent = this.agents.get(name);
    if (!agent) {
      throw new NotFoundError('agent', name);
    }
    return agent;
  }

  private assertOpen(): void {
    if (this.closed) throw new SwitchyardError('supervisor_closed', 'the run supervisor is closed');
  }
}
