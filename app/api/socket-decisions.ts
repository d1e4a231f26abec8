import { SwitchyardError, type Logger } from '#core';
import { type Caller, hasScope } from '#bridge/access';
import type { TaskService } from '#bridge/tasks';
import type { ClientFrame, EventErrorCode, ServerFrame } from './event-frames.js';

export type DecisionFrame = Extract<ClientFrame, { type: 'approve' | 'reject' }>;

/**
 * Decides a run's pending approval for an approve / reject frame, as `POST /v1/runs/{id}/approve`
 * (`/reject`) does, and answers the frame to send back: `decided`, or an error frame whose code
 * is the REST answer's (`forbidden`, `not_found`, `run_state_invalid`, `validation_failed`). Failures other than
 * those reject, for the caller to log.
 *
 * Security: the socket was opened with `read`, the least any key has; deciding lets a run do what
 * its policy gates, so the caller's `admin` scope is checked here, on every frame, before anything
 * is read. `decidedBy` is the caller's name, never a field of the frame.
 */
export async function decideForSocket(
  frame: DecisionFrame,
  caller: Caller,
  tasks: TaskService | undefined,
  log: Logger,
): Promise<ServerFrame> {
  if (!hasScope(caller, 'admin'))
    return errorFrame('forbidden', `API key '${caller.name}' lacks the 'admin' scope`);
  if (!tasks) return errorFrame('unavailable', 'approvals need the task service');
  const { runId } = frame;
  const decision = {
    decidedBy: caller.name,
    ...(frame.reason === undefined ? {} : { reason: frame.reason }),
  };
  try {
    const approval =
      frame.type === 'approve' ? await tasks.approve(runId, decision) : await tasks.reject(runId, decision);
    log.info(
      { runId, approvalId: approval.id, verdict: frame.type, key: caller.name, via: 'ws' },
      'run decided',
    );
    return {
      type: 'decided',
      runId,
      approval: {
        id: approval.id,
        state: approval.state,
        decidedBy: approval.decidedBy ?? caller.name,
        ...(approval.reason === undefined ? {} : { reason: approval.reason }),
      },
    };
  } catch (error) {
    // The service's refusals keep their code (not_found for no such run, run_state_invalid for
    // one with nothing pending), as REST answers them.
    if (error instanceof SwitchyardError && isDecisionRefusal(error.code))
      return errorFrame(error.code, error.message);
    throw error;
  }
}

const DECISION_REFUSALS: ReadonlySet<string> = new Set<EventErrorCode>([
  'not_found',
  'run_state_invalid',
  'conflict',
  'validation_failed',
]);

function isDecisionRefusal(code: string): code is EventErrorCode {
  return DECISION_REFUSALS.has(code);
}

function errorFrame(code: EventErrorCode, message: string): ServerFrame {
  return { type: 'error', code, message };
}
