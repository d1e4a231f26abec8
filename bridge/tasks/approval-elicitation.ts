import type { ApprovalRecord } from '#runtime/actors';
import type { ElicitationAnswer, ElicitationRequest } from '../catalog/client-elicitation.js';

/**
 * An approval asked of the person behind an MCP client, in that client (an elicitation), instead of
 * in another tool: what is to be approved, why, who asked and until when; approve or reject, with a
 * reason. The answer is a decision like runs__approve's; no answer leaves the approval pending for
 * every other front.
 */

export interface ElicitedDecision {
  approved: boolean;
  reason?: string;
}

/** The longest reason kept, as runs__approve accepts. */
const MAX_REASON = 2_000;

/** The elicitation that asks for a decision on `approval` of a run of `agent`. */
export function approvalElicitation(approval: ApprovalRecord, agent: string): ElicitationRequest {
  const lines = [
    `Run ${approval.runId} of the ${agent} agent waits for your approval.`,
    `What: ${approval.what}`,
    `Why: ${approval.why}`,
    ...(approval.requestedBy ? [`Requested by: ${approval.requestedBy}`] : []),
    `Asked at: ${approval.requestedAt.toISOString()}`,
    ...(approval.expiresAt ? [`Expires at: ${approval.expiresAt.toISOString()} (then it is rejected)`] : []),
  ];
  return {
    message: lines.join('\n'),
    requestedSchema: {
      type: 'object',
      properties: {
        decision: {
          type: 'string',
          title: 'Decision',
          enum: ['approve', 'reject'],
          enumNames: ['Approve', 'Reject'],
        },
        reason: {
          type: 'string',
          title: 'Reason',
          description: 'recorded with the decision',
          maxLength: MAX_REASON,
        },
      },
      required: ['decision'],
    },
  };
}

/**
 * The decision an answer carries, or undefined when it carries none: declined, cancelled, or a form
 * that does not say approve or reject. Declining the form is not rejecting the run: a person who
 * closes the dialog has decided nothing, and the approval waits for another front.
 */
export function decisionOf(answer: ElicitationAnswer): ElicitedDecision | undefined {
  if (answer.action !== 'accept' || !answer.content) return undefined;
  const { decision, reason } = answer.content;
  if (decision !== 'approve' && decision !== 'reject') return undefined;
  const text = typeof reason === 'string' ? reason.trim().slice(0, MAX_REASON) : '';
  return { approved: decision === 'approve', ...(text ? { reason: text } : {}) };
}
