import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import type { AnyStateMachine } from 'xstate';
import type { z } from 'zod';
import type { ChatRequest, ChatResponse } from '../llm/chat-model.js';
import type { RunStatus } from './run-records.js';
import type { ToolProgress } from './tool-catalog.js';

export interface AgentLimits {
  /** Settled state changes a run may take. @defaultValue 200 */
  maxSteps: number;
  /** Wall time from creation to a final state, across restarts. @defaultValue 30 minutes */
  timeoutMs: number;
  /** @defaultValue 100 */
  maxToolCalls: number;
  /** Input + output tokens over all model calls. @defaultValue unlimited */
  maxTokens?: number;
  /** @defaultValue unlimited */
  maxCostUsd?: number;
}

export interface AgentPolicy {
  limits: AgentLimits;
  /** Tools the agent may call, as globs over catalog names (`crm__*`). @defaultValue none */
  allowTools: string[];
  /** Tools whose calls wait for a person's approval first (globs). @defaultValue none */
  approvalTools: string[];
  /** How long an approval waits before it expires (a rejection). @defaultValue 24 hours */
  approvalTtlMs: number;
  /**
   * Grant every approval at once, decided by `policy` (recorded and audited like a person's). For
   * unattended batches and tests; never the default. @defaultValue false
   */
  autoApprove: boolean;
  /** Times a run is restarted from its last snapshot after its actor failed unexpectedly. @defaultValue 2 */
  maxRestarts: number;
  /** Largest persisted snapshot, in bytes of JSON; a run past it fails. @defaultValue 262144 */
  snapshotBudgetBytes: number;
}

export const DEFAULT_POLICY: AgentPolicy = {
  limits: { maxSteps: 200, timeoutMs: 30 * 60_000, maxToolCalls: 100 },
  allowTools: [],
  approvalTools: [],
  approvalTtlMs: 24 * 60 * 60_000,
  autoApprove: false,
  maxRestarts: 2,
  snapshotBudgetBytes: 256 * 1024,
};

export type AgentPolicyInput = Partial<Omit<AgentPolicy, 'limits'>> & { limits?: Partial<AgentLimits> };

export function resolvePolicy(input: AgentPolicyInput = {}): AgentPolicy {
  return { ...DEFAULT_POLICY, ...input, limits: { ...DEFAULT_POLICY.limits, ...input.limits } };
}

export interface ApprovalRequest {
  what: string;
  why: string;
  details?: Record<string, unknown>;
  /** @defaultValue the agent's approvalTtlMs */
  ttlMs?: number;
}

export interface ApprovalOutcome {
  approvalId: string;
  state: 'approved' | 'rejected' | 'expired';
  decidedBy?: string;
  reason?: string;
}

export interface ToolCallRequestOptions {
  signal?: AbortSignal;
  /**
   * The caller makes this call safe to repeat (e.g. it passes an idempotency key the server
   * dedupes on), so after a crash it is repeated instead of setting the run aside.
   * @defaultValue the tool's own idempotentHint / readOnlyHint
   */
  idempotent?: boolean;
  onProgress?: (progress: ToolProgress) => void;
  timeoutMs?: number;
}

/** One run an agent's {@link AgentDefinition.fanOut} asks for: a child of the submitted run. */
export interface FanOutChild {
  agent: string;
  input: unknown;
}

/**
 * The children a run is submitted with (a flow of the task queue): they run first, in parallel;
 * the parent starts once each of them stopped (final, or parked for a person) and finds their run
 * ids in its input's `children`. `onChildFailure` is the queue's `ChildFailurePolicy`: fail the
 * parent at once when a child fails, or let it run with the rest. @defaultValue 'fail-parent'
 */
export interface FanOut {
  children: FanOutChild[];
  onChildFailure?: 'fail-parent' | 'continue';
}

/** A child run as its parent reads it ({@link RunServices.childRuns}); JSON-safe. */
export interface ChildRunSummary {
  id: string;
  agent: string;
  status: RunStatus;
  /** The child's output (absent while it runs, or when read with `output: false`). */
  output?: unknown;
  error?: { code: string; message: string };
}

/**
 * What a {@link RunServices.childRuns} read keeps, and so what its journal entry holds: a poll
 * that narrows the read journals a few rows per round instead of every child every round.
 */
export interface ChildRunsOptions {
  /** Include each child's output. @defaultValue true */
  output?: boolean;
  /** Only these children (run ids); the others are left out. @defaultValue every child */
  ids?: readonly string[];
  /** Only children whose run is final (completed, failed or cancelled). @defaultValue false */
  finalOnly?: boolean;
}

/**
 * What a run's statechart may do to the world. Every method takes a `key` that names the effect
 * within the run (`step-3/call-1`): the same key after a restart means the same effect, so a
 * completed one is answered from the effects journal instead of being repeated. Keys must be
 * derived from the machine's context (a step counter), never from time or randomness.
 */
export interface RunServices {
  readonly runId: string;
  readonly agent: string;
  readonly policy: AgentPolicy;
  /** The catalog's tools this agent may call (allow list applied), as MCP definitions. */
  listTools(): Tool[];
  /** True when a call of this tool waits for approval under the agent's policy. */
  requiresApproval(tool: string): boolean;
  /**
   * Calls a tool once per key. A tool matching the approval patterns waits for an approval
   * first; a rejected or expired one answers with an `isError` result saying so.
   */
  callTool(
    key: string,
    name: string,
    args: Record<string, unknown>,
    options?: ToolCallRequestOptions,
  ): Promise<CallToolResult>;
  /** True when a model is configured for this run (offline agents fall back to rules). */
  readonly hasModel: boolean;
  /** Asks the run's model once per key; usage and cost count toward the run's limits. */
  chat(key: string, request: ChatRequest): Promise<ChatResponse>;
  /** Stops at a gate until a person decides (or it expires); survives restarts. */
  requestApproval(key: string, request: ApprovalRequest): Promise<ApprovalOutcome>;
  /** Waits until `at` (ms since epoch); survives restarts (the wait resumes, it does not restart). */
  sleepUntil(key: string, at: number, signal?: AbortSignal): Promise<void>;
  /** Runs any other side effect once per key. `idempotent: false` effects are never repeated. */
  effect<T>(
    key: string,
    meta: { kind: string; name: string; idempotent: boolean },
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T>;
  /**
   * The runs whose parent is this run (a flow's children), read once per key: a replay after a
   * restart answers with what the first read saw. `output: false` leaves the outputs out (a cheap
   * status poll); `ids` and `finalOnly` narrow it further (see {@link ChildRunsOptions}).
   */
  childRuns(key: string, options?: ChildRunsOptions): Promise<ChildRunSummary[]>;
  /** Appends an event of the agent's own to the run's log (and to live subscribers). */
  emit(type: string, data: Record<string, unknown>): void;
  /** The clock the run uses (injectable in tests). */
  now(): number;
}

export interface AgentDefinition {
  /** Unique, `[a-z0-9-]`. */
  name: string;
  description: string;
  /** What the agent can do, for listings (`crm.read`, `crm.write`, `approval`). */
  capabilities: string[];
  /**
   * Bumped when the statechart changes shape: a persisted snapshot only restores into the same
   * version (a run of another version needs attention instead of misbehaving).
   */
  version: string;
  policy?: AgentPolicyInput;
  /** The configured model (a key of `llm.models`) its runs use. @defaultValue `llm.default`, if any */
  model?: string;
  /** Validates and normalizes a run's input; throws ValidationError with the bad field. */
  parseInput?(input: unknown): unknown;
  /**
   * The input's schema, for those who offer the agent to others: its MCP tool (`agents__<name>`)
   * takes it as the tool's input schema. Without it the tool takes any object.
   */
  readonly inputSchema?: z.ZodType;
  /**
   * Makes every submit of this agent a fan-out: called on the parsed input at submit, it names the
   * child runs to start first (see {@link FanOut}). Throws ValidationError for an input it cannot
   * split. A run started without the queue (no children) must say so rather than wait.
   */
  fanOut?(input: unknown): FanOut;
  /**
   * The run's statechart with its services plugged in (see defineAgent: a module-level machine
   * given them with `machine.provide()`). Final states tagged `failed` end the run as failed;
   * states tagged `awaiting_approval` report that status. The machine's output is the run's output.
   */
  createMachine(services: RunServices): AnyStateMachine;
}
