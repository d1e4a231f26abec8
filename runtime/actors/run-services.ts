import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import picomatch from 'picomatch';
import { type Clock, SwitchyardError } from '#core';
import type { ChatModel, ChatRequest, ChatResponse } from '../llm/chat-model.js';
import { rateLimitRetryAfterMs } from '../llm/model-errors.js';
import type {
  AgentPolicy,
  ApprovalOutcome,
  ApprovalRequest,
  ChildRunSummary,
  ChildRunsOptions,
  RunServices,
  ToolCallRequestOptions,
} from './agent-definition.js';
import type { ApprovalWaiters } from './approval-waiters.js';
import { runJournaledEffect } from './effects-journal.js';
import type { LiveRun } from './live-run.js';
import { OutcomeUnknownError, ToolNotAllowedError } from './run-errors.js';
import { type ApprovalRecord, FINAL_RUN_STATUSES } from './run-records.js';
import type { RunStore } from './run-store.js';
import type { ToolCatalog } from './tool-catalog.js';

export interface RunServicesDeps {
  live: LiveRun;
  store: RunStore;
  tools: ToolCatalog;
  model?: ChatModel;
  waiters: ApprovalWaiters;
  clock: Clock;
  requestedBy?: string;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Rate limits one model request sleeps through before the run fails with the last one. */
const MAX_RATE_LIMIT_WAITS = 10;
/** Children one read returns at most (a flow of this many is far past any agent's fan-out). */
const MAX_CHILD_RUNS = 10_000;
const PREVIEW_CHARS = 500;

/** The services of one live run (see {@link RunServices}): every effect through the journal. */
export class JournaledRunServices implements RunServices {
  readonly runId: string;
  readonly agent: string;
  readonly policy: AgentPolicy;
  private readonly allowed: (name: string) => boolean;
  private readonly gated: (name: string) => boolean;

  constructor(private readonly deps: RunServicesDeps) {
    this.runId = deps.live.id;
    this.agent = deps.live.agent;
    this.policy = deps.live.policy;
    const globbed = globs(this.policy.allowTools);
    const named = new Set(this.policy.allowTools);
    // Security: some tools (starting or reading other runs) are granted by their exact name only.
    this.allowed = (name) =>
      deps.tools.grantedOnlyByName?.(name) === true ? named.has(name) : globbed(name);
    this.gated = globs(this.policy.approvalTools);
  }

  get hasModel(): boolean {
    return this.deps.model !== undefined;
  }

  listTools(): Tool[] {
    return this.deps.tools.listTools().filter((tool) => this.allowed(tool.name));
  }

  requiresApproval(tool: string): boolean {
    return this.gated(tool);
  }

  async callTool(
    key: string,
    name: string,
    args: Record<string, unknown>,
    options: ToolCallRequestOptions = {},
  ): Promise<CallToolResult> {
    const { live, tools } = this.deps;
    const tool = this.allowed(name) ? tools.listTools().find((t) => t.name === name) : undefined;
    if (!tool) throw new ToolNotAllowedError(this.agent, name);
    if (this.gated(name)) {
      const outcome = await this.requestApproval(`${key}/approval`, {
        what: `call ${name}`,
        why: `${name} matches the agent's approval patterns (${this.policy.approvalTools.join(', ')})`,
        details: { tool: name, arguments: args },
      });
      if (outcome.state !== 'approved') {
        return {
          isError: true,
          content: [
            {
              type: 'text',
              text: `The call of ${name} was not approved (${outcome.state}${outcome.decidedBy ? ` by ${outcome.decidedBy}` : ''}${outcome.reason ? `: ${outcome.reason}` : ''}).`,
            },
          ],
        };
      }
    }
    // Repeating a call after a crash is safe only when the server says so.
    const idempotent =
      options.idempotent === true ||
      tool.annotations?.idempotentHint === true ||
      tool.annotations?.readOnlyHint === true;
    const started = this.deps.clock.now();
    const outcome = await this.journal(
      key,
      { kind: 'tool', name, idempotent },
      (signal) => {
        live.assertBudget('tool');
        live.emit('tool_call_started', { key, tool: name, arguments: args });
        live.addUsage({ toolCalls: 1 });
        return tools.callTool(name, args, {
          signal,
          run: {
            runId: this.runId,
            agent: this.agent,
            ...(this.deps.requestedBy ? { requestedBy: this.deps.requestedBy } : {}),
          },
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        });
      },
      options.signal,
    );
    live.emit('tool_call_finished', {
      key,
      tool: name,
      isError: outcome.value.isError === true,
      replayed: outcome.replayed,
      durationMs: outcome.replayed ? 0 : this.deps.clock.now() - started,
      preview: previewOf(outcome.value),
    });
    return outcome.value;
  }

  async chat(key: string, request: ChatRequest): Promise<ChatResponse> {
    const { live, model } = this.deps;
    if (!model)
      throw new SwitchyardError('model_not_configured', `agent '${this.agent}' has no model configured`);
    const outcome = await this.chatThroughRateLimits(key, model, request);
    if (!outcome.replayed) {
      const { usage, costUsd, stopReason, attempts } = outcome.value;
      live.addUsage({
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costUsd: costUsd ?? 0,
        modelCalls: 1,
      });
      live.emit('model_call', {
        key,
        provider: model.provider,
        model: outcome.value.model,
        stopReason,
        usage,
        costUsd: costUsd ?? null,
        attempts,
        toolCalls: (outcome.value.message.toolCalls ?? []).map((c) => c.name),
      });
    }
    return outcome.value;
  }

  /**
   * A rate limit longer than the model waits out in place (`ModelRateLimitedError` with
   * `retryAfterMs`) is a durable sleep of the run, not a failure: the request's journal entry
   * stays open (a model request is idempotent), the run rests — and, on a queue worker, parks
   * and comes back as a delayed job — then asks again under the same key.
   */
  private async chatThroughRateLimits(key: string, model: ChatModel, request: ChatRequest) {
    const { live, clock } = this.deps;
    for (let waited = 0; ; waited++) {
      try {
        return await this.journal(
          key,
          { kind: 'model', name: `${model.provider}/${model.model}`, idempotent: true },
          (signal) => {
            live.assertBudget('model');
            return model.chat({ ...request, signal });
          },
          undefined,
          (error) => rateLimitRetryAfterMs(error) !== undefined,
        );
      } catch (error) {
        const retryAfterMs = rateLimitRetryAfterMs(error);
        if (retryAfterMs === undefined || waited >= MAX_RATE_LIMIT_WAITS) throw error;
        live.emit('model_rate_limited', { key, provider: model.provider, retryAfterMs, waited });
        await this.sleepUntil(`${key}/rate-limited-${waited}`, clock.now() + retryAfterMs);
      }
    }
  }

  async requestApproval(key: string, request: ApprovalRequest): Promise<ApprovalOutcome> {
    const { live, store, clock } = this.deps;
    const { approval, created } = await store.requestApproval({
      id: `${this.runId}/${key}`,
      runId: this.runId,
      key,
      what: request.what,
      why: request.why,
      details: request.details ?? {},
      ...(this.deps.requestedBy ? { requestedBy: this.deps.requestedBy } : {}),
      expiresAt: new Date(clock.now() + (request.ttlMs ?? this.policy.approvalTtlMs)),
    });
    if (created) {
      live.emit('approval_requested', {
        approvalId: approval.id,
        what: approval.what,
        why: approval.why,
        expiresAt: approval.expiresAt?.toISOString() ?? null,
      });
    }
    // Decided while the run was parked (or before a restart): the timeline still says who decided.
    // A crash between this event and the next checkpoint would repeat it, never lose it.
    if (approval.state !== 'pending' && !created) this.emitDecided(approval);
    const decided =
      approval.state !== 'pending'
        ? approval
        : this.policy.autoApprove
          ? await this.autoApprove(approval)
          : await this.waitForDecision(approval);
    return {
      approvalId: decided.id,
      state: decided.state as ApprovalOutcome['state'],
      ...(decided.decidedBy ? { decidedBy: decided.decidedBy } : {}),
      ...(decided.reason ? { reason: decided.reason } : {}),
    };
  }

  async sleepUntil(key: string, at: number, signal?: AbortSignal): Promise<void> {
    const { live, clock } = this.deps;
    const combined = this.signalWith(signal);
    live.beginWait(key, { at, approval: false });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = clock.setTimeout(resolve, Math.min(Math.max(0, at - clock.now()), MAX_TIMER_MS));
        combined.addEventListener(
          'abort',
          () => {
            clock.clearTimeout(timer);
            reject(abortError(combined));
          },
          { once: true },
        );
      });
    } finally {
      live.endWait(key);
    }
  }

  async effect<T>(
    key: string,
    meta: { kind: string; name: string; idempotent: boolean },
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return (await this.journal(key, meta, work)).value;
  }

  async childRuns(key: string, options: ChildRunsOptions = {}): Promise<ChildRunSummary[]> {
    const withOutput = options.output ?? true;
    const outcome = await this.journal(
      key,
      { kind: 'read', name: 'child_runs', idempotent: true },
      async () => {
        // Filtered in the store: a poll round reads (and journals) only what the caller asked for.
        const runs = await this.deps.store.listRuns({
          parentId: this.runId,
          ...(options.ids ? { ids: options.ids } : {}),
          ...(options.finalOnly ? { status: FINAL_RUN_STATUSES } : {}),
          limit: MAX_CHILD_RUNS,
        });
        // Oldest first, and JSON-safe: a replay reads this back from the journal as JSON.
        return runs.reverse().map((run): ChildRunSummary => ({
          id: run.id,
          agent: run.agent,
          status: run.status,
          ...(withOutput && run.output !== undefined ? { output: run.output } : {}),
          ...(run.error ? { error: { code: run.error.code, message: run.error.message } } : {}),
        }));
      },
    );
    return outcome.value;
  }

  emit(type: string, data: Record<string, unknown>): void {
    this.deps.live.emit(type, data);
  }

  now(): number {
    return this.deps.clock.now();
  }

  private async journal<T>(
    key: string,
    meta: { kind: string; name: string; idempotent: boolean },
    work: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
    /** Errors after which the effect is to be tried again later: its entry stays open. */
    tryAgainLater?: (error: unknown) => boolean,
  ) {
    const combined = this.signalWith(signal);
    this.deps.live.beginWork();
    try {
      return await runJournaledEffect(
        this.deps.store,
        { runId: this.runId, owner: this.deps.live.owner },
        key,
        meta,
        () => work(combined),
        (error) => combined.aborted || (tryAgainLater?.(error) ?? false),
      );
    } catch (error) {
      // An unknown outcome is the run's problem, not the step's: set the run aside for a person.
      if (error instanceof OutcomeUnknownError) this.deps.live.needsAttention(error);
      throw error;
    } finally {
      this.deps.live.endWork();
    }
  }

  /** The agent's policy grants it: decided at once by `policy`, with the same record and event. */
  private async autoApprove(approval: ApprovalRecord): Promise<ApprovalRecord> {
    const { approval: record } = await this.deps.store.decideApproval(approval.id, {
      approved: true,
      decidedBy: 'policy',
      reason: `auto-approved by the policy of agent '${this.agent}' (autoApprove)`,
    });
    this.emitDecided(record);
    return record;
  }

  private emitDecided(record: ApprovalRecord): void {
    this.deps.live.emit('approval_decided', {
      approvalId: record.id,
      state: record.state,
      decidedBy: record.decidedBy ?? null,
      reason: record.reason ?? null,
    });
  }

  private waitForDecision(approval: ApprovalRecord): Promise<ApprovalRecord> {
    const { live, store, clock, waiters } = this.deps;
    live.beginWait(approval.id, {
      approval: true,
      ...(approval.expiresAt ? { at: approval.expiresAt.getTime() } : {}),
    });
    return new Promise<ApprovalRecord>((resolve, reject) => {
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      const done = (record: ApprovalRecord) => {
        stop();
        if (timer !== undefined) clock.clearTimeout(timer);
        live.endWait(approval.id);
        this.emitDecided(record);
        resolve(record);
      };
      const stop = waiters.wait(approval.id, done);
      if (approval.expiresAt) {
        const expire = () => {
          store
            .decideApproval(approval.id, { expired: true })
            .then(({ approval: record }) => waiters.settle(record))
            .catch((error: unknown) => reject(error));
        };
        timer = clock.setTimeout(
          expire,
          Math.min(Math.max(0, approval.expiresAt.getTime() - clock.now()), MAX_TIMER_MS),
        );
      }
      live.signal.addEventListener(
        'abort',
        () => {
          stop();
          if (timer !== undefined) clock.clearTimeout(timer);
          reject(abortError(live.signal));
        },
        { once: true },
      );
    });
  }

  private signalWith(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([this.deps.live.signal, signal]) : this.deps.live.signal;
  }
}

function globs(patterns: string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => false;
  const match = picomatch(patterns);
  return (name) => match(name);
}

function abortError(signal: AbortSignal): Error {
  const error = new Error(`aborted: ${String(signal.reason ?? 'run stopped')}`);
  error.name = 'AbortError';
  return error;
}

function previewOf(result: CallToolResult): string {
  const text = (result.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
