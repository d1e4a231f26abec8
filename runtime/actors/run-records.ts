/**
 * What the run store holds, as plain JSON-safe records: runs, their events, the effects journal
 * and approvals. Shared by the supervisor, the store implementations and the fronts.
 */

export const RUN_STATUSES = [
  /** Accepted (persisted) and waiting for a worker to start it. */
  'queued',
  'running',
  'awaiting_approval',
  'needs_attention',
  'completed',
  'failed',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses after which a run never changes again. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

export function isFinalStatus(status: RunStatus): boolean {
  return FINAL_RUN_STATUSES.includes(status);
}

export interface RunUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  modelCalls: number;
  toolCalls: number;
}

export const EMPTY_USAGE: RunUsage = {
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  modelCalls: 0,
  toolCalls: 0,
};

export interface RunRecord {
  id: string;
  agent: string;
  agentVersion: string;
  status: RunStatus;
  /** The statechart's state value (`'thinking'`, `{ review: 'compliance' }`). */
  stateValue: unknown;
  input: unknown;
  output?: unknown;
  error?: { code: string; message: string; details?: Record<string, unknown> };
  parentId?: string;
  requestedBy?: string;
  owner?: string;
  steps: number;
  restarts: number;
  usage: RunUsage;
  snapshotBytes: number;
  wakeAt?: Date;
  deadlineAt?: Date;
  createdAt: Date;
  updatedAt: Date;
  finishedAt?: Date;
}

export interface RunEvent {
  runId: string;
  /** 1, 2, 3… per run: the order events happened in. */
  seq: number;
  type: string;
  data: Record<string, unknown>;
  at: Date;
}

export type EffectStatus = 'started' | 'completed' | 'failed';

export interface EffectRecord {
  runId: string;
  key: string;
  /** `tool`, `model`, or an agent's own kind. */
  kind: string;
  /** The tool or model name. */
  name: string;
  idempotent: boolean;
  status: EffectStatus;
  attempts: number;
  result?: unknown;
  error?: { code: string; message: string };
  startedAt: Date;
  finishedAt?: Date;
}

export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired';

export interface ApprovalRecord {
  id: string;
  runId: string;
  key: string;
  /** What needs approval, in a line (`call crm__update_account`). */
  what: string;
  /** Why the gate stopped (`matches approval pattern crm__update_*`). */
  why: string;
  details: Record<string, unknown>;
  requestedBy?: string;
  requestedAt: Date;
  expiresAt?: Date;
  state: ApprovalState;
  decidedBy?: string;
  decidedAt?: Date;
  reason?: string;
}

export interface ApprovalDecision {
  approved: boolean;
  decidedBy: string;
  reason?: string;
}

/** What the store holds of a run's status after a checkpoint of it landed. */
export interface LandedStatus {
  status: RunStatus;
  error?: RunRecord['error'];
}
