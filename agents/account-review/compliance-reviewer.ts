import { assign, fromPromise, setup } from 'xstate';
import { type RunServices, unprovidedActor } from '#runtime/actors';
import { type ComplianceResult, reviewCompliance } from './compliance-rules.js';
import type { AccountStatus, Recommendation } from './recommendation.js';
import { errorInfo, type ErrorInfo, type SubAgentOutput } from '../agent-steps.js';

/**
 * The compliance reviewer: masks personal data in the recommendations and applies the policy
 * rules of ./compliance-rules.ts. Its findings (kinds and counts, never the values) and violations
 * go to the run's event log as `compliance_reviewed`.
 */

export interface ComplianceInput {
  recommendations: Recommendation[];
  accountStatus: AccountStatus;
}

export type ComplianceOutput = SubAgentOutput<{ result: ComplianceResult }>;

export interface ReviewerContext extends ComplianceInput {
  result: ComplianceResult | null;
  error: ErrorInfo | null;
}

/** The statechart alone: its actors come from a run's services (createComplianceReviewer). */
export const complianceReviewerMachine = setup({
  types: {} as { input: ComplianceInput; context: ReviewerContext; output: ComplianceOutput },
  actors: { review: unprovidedActor<ComplianceResult, ComplianceInput>('complianceReviewer', 'review') },
}).createMachine({
  id: 'complianceReviewer',
  context: ({ input }) => ({ ...input, result: null, error: null }),
  initial: 'reviewing',
  states: {
    reviewing: {
      invoke: {
        src: 'review',
        input: ({ context }) => ({
          recommendations: context.recommendations,
          accountStatus: context.accountStatus,
        }),
        onDone: { target: 'done', actions: assign({ result: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => errorInfo(event.error) }) },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }): ComplianceOutput =>
    context.result ? { ok: true, result: context.result } : { ok: false, error: context.error! },
});

/** The machine with a run's services plugged in. */
export function createComplianceReviewer(services: RunServices) {
  return complianceReviewerMachine.provide({
    actors: {
      review: fromPromise(async ({ input }: { input: ComplianceInput }) => {
        const result = reviewCompliance(input.recommendations, { status: input.accountStatus });
        services.emit('compliance_reviewed', {
          passed: result.passed,
          findings: result.findings,
          violations: result.violations,
          kept: result.recommendations.length,
        });
        return result;
      }),
    },
  });
}
