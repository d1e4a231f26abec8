import { type Actor, type AnyStateMachine, createActor, type InspectionEvent, type Snapshot } from 'xstate';
import { type Clock, type TimerHandle, SwitchyardError, toErrorPayload, type Logger } from '#core';
import type { AgentDefinition, AgentPolicy } from './agent-definition.js';
import { LeaseLostError, RunLimitError, RunStateError, SnapshotTooLargeError } from './run-errors.js';
import type { RunEventBus } from './run-event-bus.js';
import {
  EMPTY_USAGE,
  type LandedStatus,
  type RunEvent,
  type RunRecord,
  type RunStatus,
  type RunUsage,
} from './run-records.js';
import type { RunCheckpoint, RunStore } from './run-store.js';
import { largestContextFields, statusOfSnapshot } from './snapshot-status.js';

export interface LiveRunOptions {
  run: RunRecord;
  definition: AgentDefinition;
  policy: AgentPolicy;
  owner: string;
  store: RunStore;
  bus: RunEventBus;
  logger: Logger;
  clock: Clock;
  /** The last event sequence number already in the log (0 for a new run). */
  lastSeq: number;
  /** Called once when the run is no longer live here (final, parked for a person, lost, stopped). */
  onGone: (run: LiveRun, status: RunStatus | 'stopped') => void;
  /** Called after each checkpoint landed in the store, with the status it wrote. */
  onCheckpointed: (run: LiveRun, status: RunStatus) => void;
  /** Called after the actor failed unexpectedly: the supervisor decides on a restart. */
  onCrash: (run: LiveRun, error: unknown) => void;
}

/** Why a live run stops being live here. */
type Halt =
  | { kind: 'status'; status: 'completed' | 'failed' | 'cancelled' | 'needs_attention'; error?: unknown }
  | { kind: 'detach' };

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One run executing in this process: its XState actor, and everything that makes it durable —
 * checkpoints after every settled transition (coalesced: a write carries the newest snapshot),
 * its event log in order, usage and limits, and the waits (approvals, sleeps) that set `wake_at`.
 * All store writes of a run go through one chain, so events and checkpoints land in order.
 */
export class LiveRun {
  readonly id: string;
  readonly agent: string;
  private actor?: Actor<AnyStateMachine>;
  private seq = 0;
  private steps: number;
  private usage: RunUsage;
  private lastValue = new Map<string, string>();
  private readonly pendingEvents: RunEvent[] = [];
  private checkpointDirty = false;
  private flushQueued = false;
  private writes: Promise<void> = Promise.resolve();
  private halted?: Halt;
  private lastGoodSnapshot: unknown;
  private readonly waits = new Map<string, { at?: number; approval: boolean }>();
  private readonly abort = new AbortController();
  private deadlineTimer?: TimerHandle;
  /** Effects in flight (tool calls, model requests, other journaled work). */
  private busy = 0;
  private landedStatus?: LandedStatus;

  constructor(private readonly options: LiveRunOptions) {
    this.id = options.run.id;
    this.agent = options.run.agent;
    this.steps = options.run.steps;
    this.seq = options.lastSeq;
    this.usage = { ...EMPTY_USAGE, ...options.run.usage };
  }

  /** Aborts when the run is cancelled or stopped here: in-flight tool and model calls end. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** The process that holds the run: every write of it is guarded by this owner. */
  get owner(): string {
    return this.options.owner;
  }

  get policy(): AgentPolicy {
    return this.options.policy;
  }

  get isLive(): boolean {
    return this.halted === undefined;
  }

  currentUsage(): RunUsage {
    return { ...this.usage };
  }

  /** Starts the actor, fresh or from a persisted snapshot. */
  start(machine: AnyStateMachine, snapshot: unknown): void {
    this.lastGoodSnapshot = snapshot;
    const { run, clock } = this.options;
    const actor = createActor(machine, {
      input: run.input,
      id: run.id,
      ...(snapshot === undefined ? {} : { snapshot: snapshot as Snapshot<unknown> }),
      inspect: (event) => this.inspect(event),
    });
    this.actor = actor;
    actor.subscribe({
      next: (next) => this.settled(next),
      error: (error) => this.crashed(error),
    });
    if (run.deadlineAt) {
      const left = run.deadlineAt.getTime() - clock.now();
      this.deadlineTimer = clock.setTimeout(
        () =>
          this.fail(
            new RunLimitError(
              run.id,
              'time (ms)',
              clock.now() - run.createdAt.getTime(),
              run.deadlineAt!.getTime() - run.createdAt.getTime(),
            ),
          ),
        Math.min(Math.max(0, left), MAX_TIMER_MS),
      );
    }
    actor.start();
  }

  /** Delivers an outside event (a webhook, a person's input) to the run's statechart. */
  send(event: { type: string; [key: string]: unknown }): void {
    if (!this.isLive || !this.actor) throw new RunStateError(this.id, 'is not live here');
    this.actor.send(event);
  }

  /** Appends an event to the run's log and hands it to live subscribers. */
  emit(type: string, data: Record<string, unknown>): void {
    if (this.halted?.kind === 'detach') return;
    const event: RunEvent = {
      runId: this.id,
      seq: ++this.seq,
      type,
      data,
      at: new Date(this.options.clock.now()),
    };
    this.pendingEvents.push(event);
    // Queue the write first: a subscriber that reads the store after this event sees it there.
    this.queueFlush();
    this.options.bus.publish({ ...event, agent: this.agent });
  }

  /** Adds model or tool usage and enforces the agent's budget. */
  addUsage(delta: Partial<RunUsage>): void {
    const u = this.usage;
    u.inputTokens += delta.inputTokens ?? 0;
    u.outputTokens += delta.outputTokens ?? 0;
    u.costUsd += delta.costUsd ?? 0;
    u.modelCalls += delta.modelCalls ?? 0;
    u.toolCalls += delta.toolCalls ?? 0;
    this.checkpointDirty = true;
    this.queueFlush();
  }

  /** Throws the limit error (and fails the run) when a budget is already spent. */
  assertBudget(kind: 'tool' | 'model'): void {
    const { limits } = this.options.policy;
    const u = this.usage;
    const over =
      kind === 'tool' && u.toolCalls >= limits.maxToolCalls
        ? new RunLimitError(this.id, 'tool calls', u.toolCalls + 1, limits.maxToolCalls)
        : limits.maxTokens !== undefined && u.inputTokens + u.outputTokens >= limits.maxTokens
          ? new RunLimitError(this.id, 'tokens', u.inputTokens + u.outputTokens, limits.maxTokens)
          : limits.maxCostUsd !== undefined && u.costUsd >= limits.maxCostUsd
            ? new RunLimitError(this.id, 'cost (USD)', u.costUsd, limits.maxCostUsd)
            : undefined;
    if (over) {
      this.fail(over);
      throw over;
    }
  }

  /** Registers a durable wait; the earliest one becomes the run's `wake_at`. */
  beginWait(key: string, wait: { at?: number; approval: boolean }): void {
    this.waits.set(key, wait);
    this.checkpointDirty = true;
    this.queueFlush();
  }

  endWait(key: string): void {
    if (!this.waits.delete(key)) return;
    this.checkpointDirty = true;
    this.queueFlush();
  }

  /** Brackets work in flight (a tool call, a model request, an effect): a busy run does not rest. */
  beginWork(): void {
    this.busy += 1;
  }

  endWork(): void {
    this.busy -= 1;
  }

  /**
   * Whether the run rests: live, nothing in flight, only durable waits pending (a sleep, a
   * person's decision) — so it can leave this process and come back from its snapshot. Its value
   * is when the run must be back (its first timed wait, or its deadline), null when only a
   * decision wakes it; undefined when the run does not rest.
   */
  restingUntil(): number | null | undefined {
    if (!this.isLive || this.busy > 0 || this.waits.size === 0) return undefined;
    const times = [...this.waits.values()].map((w) => w.at).filter((at): at is number => at !== undefined);
    const deadline = this.options.run.deadlineAt?.getTime();
    if (deadline !== undefined) times.push(deadline);
    return times.length > 0 ? Math.min(...times) : null;
  }

  /** Ids of the approvals the run waits for. */
  get pendingApprovalIds(): string[] {
    return [...this.waits.entries()].filter(([, wait]) => wait.approval).map(([id]) => id);
  }

  get awaitingApproval(): boolean {
    return [...this.waits.values()].some((w) => w.approval);
  }

  /** Ends the run here as failed (a limit, a snapshot too large, an unrecoverable error). */
  fail(error: unknown): void {
    this.halt({ kind: 'status', status: 'failed', error });
  }

  cancel(by: string, reason?: string): void {
    if (!this.isLive) return;
    this.emit('run_cancelled', { by, ...(reason ? { reason } : {}) });
    this.halt({
      kind: 'status',
      status: 'cancelled',
      error: new SwitchyardError('run_cancelled', `cancelled by ${by}`),
    });
  }

  /** Sets the run aside for a person: an effect's outcome is unknown, or its version changed. */
  needsAttention(error: unknown): void {
    this.halt({ kind: 'status', status: 'needs_attention', error });
  }

  /** Stops the actor here without changing the run's status (shutdown, lease lost). */
  detach(): void {
    this.halt({ kind: 'detach' });
  }

  /** Resolves when every write queued so far has landed. */
  async flushed(): Promise<void> {
    await this.writes;
  }

  /**
   * The status (and error) of the last checkpoint that landed, while this process still speaks
   * for the run; undefined once it stopped here without an outcome (lost, crashed, detached).
   */
  get landed(): LandedStatus | undefined {
    return this.halted?.kind === 'detach' ? undefined : this.landedStatus;
  }

  /** The run is no longer live here, whatever the reason: its deadline no longer applies here. */
  private markHalted(halt: Halt): void {
    this.halted = halt;
    if (this.deadlineTimer !== undefined) this.options.clock.clearTimeout(this.deadlineTimer);
  }

  private halt(halt: Halt): void {
    if (this.halted) return;
    this.markHalted(halt);
    this.abort.abort(halt.kind === 'detach' ? 'run stopped on this process' : `run ${halt.status}`);
    this.actor?.stop();
    if (halt.kind === 'status') {
      const payload = halt.error === undefined ? undefined : toErrorPayload(halt.error);
      this.emit(`run_${halt.status}`, payload ? { error: payload } : {});
      this.checkpointDirty = true;
      this.queueFlush();
    }
    this.options.onGone(this, halt.kind === 'status' ? halt.status : 'stopped');
  }

  private inspect(event: InspectionEvent): void {
    if (event.type !== '@xstate.snapshot') return;
    const snapshot = event.snapshot as { value?: unknown; status?: string };
    if (snapshot.value === undefined || (snapshot.status !== 'active' && snapshot.status !== 'done')) return;
    const actorId =
      event.actorRef === this.actor ? 'root' : ((event.actorRef as { id?: string }).id ?? 'child');
    const value = JSON.stringify(snapshot.value);
    if (this.lastValue.get(actorId) === value) return;
    this.lastValue.set(actorId, value);
    if (this.halted) return;
    this.emit('state_entered', { actor: actorId, state: snapshot.value });
  }

  private settled(snapshot: Snapshot<unknown>): void {
    if (this.halted) return;
    if (snapshot.status === 'error') return; // crashed() handles it
    this.steps += 1;
    const { limits } = this.options.policy;
    if (this.steps > limits.maxSteps) {
      this.fail(new RunLimitError(this.id, 'steps', this.steps, limits.maxSteps));
      return;
    }
    this.checkpointDirty = true;
    if (snapshot.status === 'done') {
      const { status } = statusOfSnapshot(snapshot, false);
      this.emit(status === 'failed' ? 'run_failed' : 'run_completed', {
        output: (snapshot as { output?: unknown }).output ?? null,
      });
      const final = status === 'failed' ? 'failed' : 'completed';
      this.markHalted({ kind: 'status', status: final });
      this.queueFlush();
      this.options.onGone(this, final);
      return;
    }
    this.queueFlush();
  }

  private crashed(error: unknown): void {
    if (this.halted) return;
    this.options.logger.warn({ err: error, runId: this.id }, 'run actor failed');
    this.emit('run_crashed', { error: toErrorPayload(error) });
    this.markHalted({ kind: 'detach' });
    this.abort.abort('run actor failed');
    this.options.onCrash(this, error);
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.writes = this.writes.then(() => this.flush());
  }

  private async flush(): Promise<void> {
    this.flushQueued = false;
    const events = this.pendingEvents.splice(0);
    const checkpoint = this.checkpointDirty ? this.buildCheckpoint() : undefined;
    this.checkpointDirty = false;
    const { store, owner, logger } = this.options;
    try {
      if (checkpoint) {
        await store.checkpoint(this.id, owner, checkpoint, events);
        this.landedStatus = {
          status: checkpoint.status,
          ...(checkpoint.error ? { error: checkpoint.error } : {}),
        };
        this.options.onCheckpointed(this, checkpoint.status);
      } else if (events.length > 0) {
        await store.appendEvents(events);
      }
    } catch (error) {
      if (error instanceof LeaseLostError) {
        logger.warn({ runId: this.id, owner }, 'lost the run to another owner; stopping it here');
        if (!this.halted) this.detach();
        return;
      }
      // The store did not take the write: keep it and try again shortly rather than drop state.
      logger.error({ err: error, runId: this.id }, 'writing the run failed; retrying');
      this.pendingEvents.unshift(...events);
      if (checkpoint) this.checkpointDirty = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
      this.queueFlush();
    }
  }

  private buildCheckpoint(): RunCheckpoint | undefined {
    const halted = this.halted;
    if (halted?.kind === 'detach' || !this.actor) return undefined;
    const snapshot = this.actor.getSnapshot() as Snapshot<unknown>;
    let persisted: unknown = this.lastGoodSnapshot;
    let bytes = persisted === undefined ? 0 : Buffer.byteLength(JSON.stringify(persisted));
    if (halted === undefined || snapshot.status === 'done') {
      const candidate = this.actor.getPersistedSnapshot();
      const size = Buffer.byteLength(JSON.stringify(candidate));
      const budget = this.options.policy.snapshotBudgetBytes;
      if (size > budget) {
        const error = new SnapshotTooLargeError(this.id, size, budget, largestContextFields(candidate));
        queueMicrotask(() => this.fail(error));
      } else {
        persisted = candidate;
        bytes = size;
        this.lastGoodSnapshot = candidate;
      }
    }
    const derived = statusOfSnapshot(snapshot, this.awaitingApproval);
    const status: RunStatus = halted?.kind === 'status' ? halted.status : derived.status;
    const errorOf = (e: unknown) => {
      const { code, message, details } = toErrorPayload(e);
      return { code, message, details: { ...details } };
    };
    const error =
      halted?.kind === 'status' && halted.error !== undefined ? errorOf(halted.error) : derived.error;
    const waits = [...this.waits.values()].map((w) => w.at).filter((at): at is number => at !== undefined);
    return {
      status,
      stateValue: (snapshot as { value?: unknown }).value ?? null,
      snapshot: persisted,
      snapshotBytes: bytes,
      steps: this.steps,
      usage: this.currentUsage(),
      wakeAt: waits.length > 0 ? new Date(Math.min(...waits)) : null,
      output: snapshot.status === 'done' ? ((snapshot as { output?: unknown }).output ?? null) : undefined,
      error,
    };
  }
}
