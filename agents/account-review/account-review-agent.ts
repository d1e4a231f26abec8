import { assign, fromPromise, setup } from 'xstate';
import { z } from 'zod';
import { type ApprovalOutcome, defineAgent, unprovidedActor } from '#runtime/actors';
import { ValidationError } from '#core';
import { complianceReviewerMachine, createComplianceReviewer } from './compliance-reviewer.js';
import type { PiiFindingAt, PolicyViolation } from './compliance-rules.js';
import { createDataScout, dataScoutMachine } from './data-scout.js';
import { createMemoryAnalyst, memoryAnalystMachine } from './memory-analyst.js';
import type { AccountFacts, AccountHistory, Recommendation } from './recommendation.js';
import { createRecommendationAuthor, recommendationAuthorMachine } from './recommendation-author.js';
import {
  executeRecommendations,
  type ExecutedWrite,
  type ExecuteInput,
  initialize,
  type SyncInput,
  syncMemory,
} from './review-steps.js';
import { errorInfo, type ErrorInfo } from '../agent-steps.js';

/**
 * account-review: the account-management orchestrator. One run reviews one crm account:
 *
 * IDLE → INITIALIZING → DATA_RETRIEVAL (data scout) → MEMORY_ANALYSIS (memory analyst) →
 * RECOMMENDATION (recommendation author) → COMPLIANCE_CHECK (compliance reviewer) →
 * AWAITING_APPROVAL → EXECUTING (crm writes) → MEMORY_SYNC → COMPLETED, and FAILED from any step.
 *
 * The four sub-agents are child machines invoked by the states that need them; they live in the
 * run's snapshot and resume with it. A rejected (or expired) approval writes nothing to the crm,
 * still records the outcome in memory, and COMPLETES with outcome `rejected` / `expired`: a person
 * saying no is a normal end of a review, not a failure. Nothing left after compliance skips the
 * gate (outcome `nothing_to_apply`).
 */

/** A crm account id as a review takes it (account-review-batch checks its list with it too). */
export const AccountIdSchema = z
  .string()
  .regex(/^acc_[A-Za-z0-9_-]{1,100}$/, { message: 'expected a crm account id such as acc_s42_000007' });

const InputSchema = z.strictObject({
  accountId: AccountIdSchema,
  requestedBy: z.string().min(1).max(200).optional(),
});
export type AccountReviewInput = z.infer<typeof InputSchema>;

export type ReviewOutcome = 'applied' | 'partially_applied' | 'rejected' | 'expired' | 'nothing_to_apply';

export interface AccountReviewOutput {
  accountId: string;
  /** The recommendations after compliance (masked), as the approval showed them. */
  recommendations: Recommendation[];
  executed: ExecutedWrite[];
  outcome: ReviewOutcome;
  source: 'rules' | 'model';
  compliance: { passed: boolean; findings: PiiFindingAt[]; violations: PolicyViolation[] };
}

interface ReviewContext {
  accountId: string;
  requestedBy: string | null;
  asOf: string | null;
  facts: AccountFacts | null;
  history: AccountHistory | null;
  /** The author's recommendations before compliance; dropped once masked ones exist. */
  draft: Recommendation[] | null;
  source: 'rules' | 'model';
  recommendations: Recommendation[];
  compliance: AccountReviewOutput['compliance'] | null;
  executed: ExecutedWrite[];
  outcome: ReviewOutcome | null;
  error: ErrorInfo | null;
}

const toFailed = { target: 'FAILED', actions: 'recordError' } as const;

/** A sub-agent that ended without a result ends the review as failed, with its reason. */
const subAgentFailed = { guard: 'subAgentFailed', target: 'FAILED', actions: 'recordSubAgentError' } as const;

type SubAgentDone = { output?: { ok?: boolean; error?: ErrorInfo } };

/** The statechart alone: its sub-agents and effects come from a run's services (accountReviewAgent.provide). */
export const accountReviewMachine = setup({
  types: {} as { input: AccountReviewInput; context: ReviewContext; output: unknown },
  actors: {
    // The sub-agents' own machines, with stand-ins of their own: provide() swaps in their provided ones.
    dataScout: dataScoutMachine,
    memoryAnalyst: memoryAnalystMachine,
    recommendationAuthor: recommendationAuthorMachine,
    complianceReviewer: complianceReviewerMachine,
    initialize: unprovidedActor<{ asOf: string }>('accountReview', 'initialize'),
    approval: unprovidedActor<
      ApprovalOutcome,
      { what: string; why: string; details: Record<string, unknown> }
    >('accountReview', 'approval'),
    execute: unprovidedActor<ExecutedWrite[], ExecuteInput>('accountReview', 'execute'),
    syncMemory: unprovidedActor<void, SyncInput>('accountReview', 'syncMemory'),
  },
  actions: {
    recordError: assign({ error: ({ event }) => errorInfo((event as { error?: unknown }).error) }),
    recordSubAgentError: assign({
      error: ({ event }) =>
        (event as SubAgentDone).output?.error ?? { code: 'agent_failed', message: 'a sub-agent failed' },
    }),
  },
  guards: { subAgentFailed: ({ event }) => (event as SubAgentDone).output?.ok !== true },
}).createMachine({
  id: 'accountReview',
  context: ({ input }) => ({
    accountId: input.accountId,
    requestedBy: input.requestedBy ?? null,
    asOf: null,
    facts: null,
    history: null,
    draft: null,
    source: 'rules',
    recommendations: [],
    compliance: null,
    executed: [],
    outcome: null,
    error: null,
  }),
  initial: 'IDLE',
  states: {
    IDLE: { always: 'INITIALIZING' },
    INITIALIZING: {
      invoke: {
        src: 'initialize',
        onDone: { target: 'DATA_RETRIEVAL', actions: assign({ asOf: ({ event }) => event.output.asOf }) },
        onError: toFailed,
      },
    },
    DATA_RETRIEVAL: {
      invoke: {
        id: 'dataScout',
        src: 'dataScout',
        input: ({ context }) => ({ accountId: context.accountId, asOf: context.asOf! }),
        onDone: [
          subAgentFailed,
          {
            target: 'MEMORY_ANALYSIS',
            actions: assign({ facts: ({ event }) => (event.output.ok ? event.output.facts : null) }),
          },
        ],
        onError: toFailed,
      },
    },
    MEMORY_ANALYSIS: {
      invoke: {
        id: 'memoryAnalyst',
        src: 'memoryAnalyst',
        input: ({ context }) => ({
          accountId: context.accountId,
          accountName: context.facts!.name,
          situation: situationOf(context.facts!),
        }),
        onDone: [
          subAgentFailed,
          {
            target: 'RECOMMENDATION',
            actions: assign({ history: ({ event }) => (event.output.ok ? event.output.history : null) }),
          },
        ],
        onError: toFailed,
      },
    },
    RECOMMENDATION: {
      invoke: {
        id: 'recommendationAuthor',
        src: 'recommendationAuthor',
        input: ({ context }) => ({ facts: context.facts!, history: context.history!, asOf: context.asOf! }),
        onDone: [
          subAgentFailed,
          {
            target: 'COMPLIANCE_CHECK',
            actions: assign(({ event }) =>
              event.output.ok ? { draft: event.output.recommendations, source: event.output.source } : {},
            ),
          },
        ],
        onError: toFailed,
      },
    },
    COMPLIANCE_CHECK: {
      invoke: {
        id: 'complianceReviewer',
        src: 'complianceReviewer',
        input: ({ context }) => ({ recommendations: context.draft!, accountStatus: context.facts!.status }),
        onDone: [
          subAgentFailed,
          {
            guard: ({ event }) => event.output.ok && event.output.result.recommendations.length === 0,
            target: 'MEMORY_SYNC',
            actions: assign(({ event }) => ({
              ...complianceOf(event.output),
              outcome: 'nothing_to_apply' as const,
            })),
          },
          { target: 'AWAITING_APPROVAL', actions: assign(({ event }) => complianceOf(event.output)) },
        ],
        onError: toFailed,
      },
    },
    AWAITING_APPROVAL: {
      tags: ['awaiting_approval'],
      invoke: {
        src: 'approval',
        input: ({ context }) => approvalRequest(context),
        onDone: [
          { guard: ({ event }) => event.output.state === 'approved', target: 'EXECUTING' },
          {
            target: 'MEMORY_SYNC',
            actions: assign({
              outcome: ({ event }) => (event.output.state === 'expired' ? 'expired' : 'rejected'),
            }),
          },
        ],
        onError: toFailed,
      },
    },
    EXECUTING: {
      invoke: {
        src: 'execute',
        input: ({ context }) => ({
          accountId: context.accountId,
          accountVersion: context.facts!.version,
          recommendations: context.recommendations,
        }),
        onDone: {
          target: 'MEMORY_SYNC',
          actions: assign({
            executed: ({ event }) => event.output,
            outcome: ({ event }) => (event.output.every((w) => w.ok) ? 'applied' : 'partially_applied'),
          }),
        },
        onError: toFailed,
      },
    },
    MEMORY_SYNC: {
      invoke: {
        src: 'syncMemory',
        input: ({ context }) => ({
          accountId: context.accountId,
          accountName: context.facts!.name,
          asOf: context.asOf!,
          outcome: context.outcome!,
          facts: context.facts!,
          executed: context.executed.filter((w) => w.ok).length,
          titles: context.recommendations.map((r) => r.title),
        }),
        onDone: 'COMPLETED',
        onError: toFailed,
      },
    },
    COMPLETED: { type: 'final' },
    FAILED: { type: 'final', tags: ['failed'] },
  },
  output: ({ context }: { context: ReviewContext }): AccountReviewOutput | { error: ErrorInfo } =>
    context.error
      ? { error: context.error }
      : {
          accountId: context.accountId,
          recommendations: context.recommendations,
          executed: context.executed,
          outcome: context.outcome ?? 'nothing_to_apply',
          source: context.source,
          compliance: context.compliance ?? { passed: true, findings: [], violations: [] },
        },
});

function complianceOf(
  output:
    | { ok: true; result: { recommendations: Recommendation[] } & AccountReviewOutput['compliance'] }
    | { ok: false },
): Partial<ReviewContext> {
  if (!output.ok) return {};
  const { recommendations, passed, findings, violations } = output.result;
  // The unmasked draft leaves the snapshot here: from now on only masked texts are kept.
  return { recommendations, compliance: { passed, findings, violations }, draft: null };
}

/** Words for the memory analyst's semantic search: what is going on with the account. */
function situationOf(facts: AccountFacts): string {
  const factors = facts.healthFactors.map((f) => f.detail).join('; ');
  return `account review, risk ${facts.riskLevel}${factors ? `: ${factors}` : ''}`;
}

function approvalRequest(context: ReviewContext): {
  what: string;
  why: string;
  details: Record<string, unknown>;
} {
  const facts = context.facts!;
  const n = context.recommendations.length;
  const compliance = context.compliance!;
  return {
    what: `apply ${n} recommendation(s) to account ${context.accountId} (${facts.name})`,
    why:
      `the account review (risk ${facts.riskScore}, ${facts.riskLevel}) proposes crm writes; ` +
      `compliance masked ${compliance.findings.reduce((sum, f) => sum + f.count, 0)} piece(s) of personal data` +
      (compliance.violations.length > 0
        ? ` and withheld ${compliance.violations.length} recommendation(s)`
        : ''),
    details: {
      accountId: context.accountId,
      accountName: facts.name,
      ...(context.requestedBy ? { requestedBy: context.requestedBy } : {}),
      source: context.source,
      recommendations: context.recommendations,
      compliance,
    },
  };
}

export const accountReviewAgent = defineAgent({
  name: 'account-review',
  description:
    'Reviews one crm account: reads it, recalls earlier reviews from memory, writes recommendations ' +
    '(rules offline, the model when one is configured), masks personal data, waits for approval, then ' +
    'writes the approved tasks, notes and status to the crm and the outcome to memory.',
  capabilities: ['crm.read', 'crm.write', 'memory.read', 'memory.write', 'approval'],
  version: '1',
  // No approvalTools: the AWAITING_APPROVAL state is the gate, for all writes at once.
  policy: { allowTools: ['crm__*', 'memory__*'] },
  input: InputSchema,
  inputLabel: 'account-review input',
  precheckInput(input) {
    // Said plainly rather than as zod's "unrecognized key": a review never approves itself.
    if (input && typeof input === 'object' && 'autoApprove' in input)
      throw new ValidationError('autoApprove is not supported: every account review waits for a person', {
        field: 'autoApprove',
      });
  },
  machine: accountReviewMachine,
  provide: (services) => ({
    actors: {
      dataScout: createDataScout(services),
      memoryAnalyst: createMemoryAnalyst(services),
      recommendationAuthor: createRecommendationAuthor(services),
      complianceReviewer: createComplianceReviewer(services),
      initialize: fromPromise(async () => initialize(services)),
      approval: fromPromise(
        async ({ input }: { input: { what: string; why: string; details: Record<string, unknown> } }) =>
          services.requestApproval('approval', input),
      ),
      execute: fromPromise(async ({ input, signal }: { input: ExecuteInput; signal: AbortSignal }) =>
        executeRecommendations(services, input, signal),
      ),
      syncMemory: fromPromise(async ({ input, signal }: { input: SyncInput; signal: AbortSignal }) =>
        syncMemory(services, input, signal),
      ),
    },
  }),
});
