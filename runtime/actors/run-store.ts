import type {
  ApprovalDecision,
  ApprovalRecord,
  ApprovalState,
  EffectRecord,
  RunEvent,
  RunRecord,
  RunStatus,
  RunUsage,
} from './run-records.js';

/** `runs.owner` of a parked run: at rest (asleep, or waiting for a person), in no process. */
export const PARKED_OWNER = 'parked';

/** How long after its wake time a parked run waits for its wake-up before orphan claims take it. */
export const PARKED_GRACE_MS = 60_000;

export interface NewRun {
  id: string;
  agent: string;
  agentVersion: string;
  input: unknown;
  owner: string;
  leaseMs: number;
  parentId?: string;
  requestedBy?: string;
  deadlineAt?: Date;
  /** The run's first events (its `run_started`), written with it: a run's log begins with its start. */
  events?: RunEvent[];
}

/**
 * The queue's part of a task, kept with its queued run so the task can be enqueued again from the
 * database alone (JSON-safe: the task spec's fields other than agent and input).
 */
export interface QueuedTask {
  priority?: number;
  timeoutMs?: number;
  attempts?: number;
  backoff?: { type: 'fixed' | 'exponential'; delayMs: number };
  delayMs?: number;
  /** A flow's parent: what to do when one of its children fails for good. */
  onChildFailure?: 'fail-parent' | 'continue';
  /** A flow's parent: its children's run ids, in the order its input names them. */
  children?: string[];
}

/** A task accepted for a run: its run row, `queued` until a worker starts it. */
export interface NewQueuedRun {
  id: string;
  agent: string;
  agentVersion: string;
  input: unknown;
  task: QueuedTask;
  idempotencyKey?: string;
  parentId?: string;
  requestedBy?: string;
}

/** What accepting a run answered: its id (an earlier run's, for a repeated idempotency key) and status. */
export interface AcceptedRun {
  runId: string;
  created: boolean;
  status: RunStatus;
}

/** A queued run as the reconciler enqueues it again. */
export interface QueuedRunRecord {
  id: string;
  agent: string;
  input: unknown;
  task: QueuedTask;
  parentId?: string;
  requestedBy?: string;
  createdAt: Date;
}

/** What a supervisor writes after every settled transition of a run it owns. */
export interface RunCheckpoint {
  status: RunStatus;
  stateValue: unknown;
  snapshot: unknown;
  snapshotBytes: number;
  steps: number;
  usage: RunUsage;
  wakeAt?: Date | null;
  output?: unknown;
  error?: RunRecord['error'];
}

export interface RunFilter {
  /** Only these runs. */
  ids?: readonly string[];
  status?: RunStatus | readonly RunStatus[];
  agent?: string;
  parentId?: string;
  /** @defaultValue 100 */
  limit?: number;
}

export interface NewApproval {
  id: string;
  runId: string;
  key: string;
  what: string;
  why: string;
  details?: Record<string, unknown>;
  requestedBy?: string;
  expiresAt?: Date;
}

export interface StoredSnapshot {
  run: RunRecord;
  snapshot: unknown;
}

/**
 * Where runs live between transitions (`RunStore`; docs/agents-and-runs.md). Ownership is a lease:
 * only the owner may checkpoint a run; a run whose lease ran out can be claimed by any supervisor.
 * Writes by a supervisor that lost its lease fail with `LeaseLostError` instead of overwriting.
 */
export interface RunStore {
  /**
   * Persists tasks as `queued` runs in one transaction (a flow's parent and children together).
   * A run whose idempotency key is taken already is not written: the answer names the run that
   * holds the key (`created: false`) and its status.
   */
  acceptRuns(runs: readonly NewQueuedRun[]): Promise<AcceptedRun[]>;
  /** Marks a `queued` run `failed` with `error` (it cannot start); false when it was not queued. */
  failQueued(id: string, error: { code: string; message: string }): Promise<boolean>;
  /** Queued runs accepted more than `olderThanMs` ago, oldest first (the reconciler's one query). */
  listQueued(olderThanMs: number, limit: number): Promise<QueuedRunRecord[]>;
  /**
   * Parked runs whose wake-up is overdue by more than `graceMs`: asleep past their wake time, or
   * waiting for a decision taken more than `graceMs` ago. Their wake-up task may have been lost.
   */
  listStrandedParked(graceMs: number, limit: number): Promise<Array<{ id: string; agent: string }>>;
  /**
   * Starts a run: claims its `queued` row (or inserts it when there is none) and writes its first
   * events; undefined (and nothing written) when the run exists and is not queued.
   */
  createRun(run: NewRun): Promise<RunRecord | undefined>;
  getRun(id: string): Promise<RunRecord | undefined>;
  loadSnapshot(id: string): Promise<StoredSnapshot | undefined>;
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  /**
   * Writes a checkpoint and appends `events` in one statement: both land or neither. Throws
   * LeaseLostError (and writes nothing) when `owner` no longer holds the run.
   */
  checkpoint(id: string, owner: string, checkpoint: RunCheckpoint, events?: RunEvent[]): Promise<void>;
  /** Ends a run that is not live anywhere (cancel, needs attention) whatever its owner. */
  setStatus(id: string, status: RunStatus, error?: RunRecord['error']): Promise<RunRecord>;
  /** Counts a restart after the actor failed unexpectedly; returns the new count. */
  countRestart(id: string): Promise<number>;

  /**
   * Takes runs that are not final and whose lease ran out (or every such run, with `all`, for a
   * supervisor that owns the whole store). Returns the ids it took, oldest first.
   */
  claimOrphans(
    owner: string,
    leaseMs: number,
    options?: { limit?: number; all?: boolean },
  ): Promise<string[]>;
  /** Takes one run if it is not final and free (parked, or already ours); false otherwise. */
  claimRun(id: string, owner: string, leaseMs: number, options?: { force?: boolean }): Promise<boolean>;
  /**
   * Parks a run this owner holds: nobody holds it ({@link PARKED_OWNER}) until `until` (null:
   * until something resumes it), and orphan claims leave it alone until {@link PARKED_GRACE_MS}
   * after that, so the wake-up scheduled for it comes first. False when the owner lost it.
   */
  park(id: string, owner: string, until: Date | null): Promise<boolean>;
  /**
   * Extends the leases of the live runs this owner holds; a run whose row is being written just
   * then may be left to the next renewal (a supervisor renews every third of a lease).
   */
  renewLeases(owner: string, leaseMs: number): Promise<number>;
  /** Ids of the unfinished runs this owner holds. */
  ownedRunIds(owner: string): Promise<string[]>;
  release(id: string, owner: string): Promise<void>;

  appendEvents(events: RunEvent[]): Promise<void>;
  listEvents(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<RunEvent[]>;
  lastEventSeq(runId: string): Promise<number>;

  getEffect(runId: string, key: string): Promise<EffectRecord | undefined>;
  /** Records that an effect starts; an existing row for the key is returned instead and not changed. */
  /**
   * Records an effect as started, or answers its record. With `owner`, only while that owner
   * holds the run: otherwise LeaseLostError, and nothing is written (a worker that lost its run
   * to another, after a partition, must not act for it).
   */
  beginEffect(
    effect: Pick<EffectRecord, 'runId' | 'key' | 'kind' | 'name' | 'idempotent'> & { owner?: string },
  ): Promise<{ effect: EffectRecord; created: boolean }>;
  /** Counts one more attempt of an effect whose earlier outcome is unknown (guarded by `owner` as beginEffect). */
  retryEffect(runId: string, key: string, owner?: string): Promise<void>;
  /** Records how an effect ended (guarded by `owner` as beginEffect). */
  finishEffect(
    runId: string,
    key: string,
    outcome:
      | { status: 'completed'; result: unknown }
      | { status: 'failed'; error: { code: string; message: string } },
    owner?: string,
  ): Promise<void>;
  listEffects(runId: string): Promise<EffectRecord[]>;

  /** Creates the approval for (run, key), or returns the one that exists (`created: false`). */
  requestApproval(approval: NewApproval): Promise<{ approval: ApprovalRecord; created: boolean }>;
  getApproval(id: string): Promise<ApprovalRecord | undefined>;
  listApprovals(filter?: {
    state?: ApprovalState;
    runId?: string;
    limit?: number;
  }): Promise<ApprovalRecord[]>;
  /** Decides a pending approval; a decided one is returned unchanged with `changed: false`. */
  decideApproval(
    id: string,
    decision: ApprovalDecision | { expired: true },
  ): Promise<{ approval: ApprovalRecord; changed: boolean }>;
}
