import { SwitchyardError, type Logger } from '#core';
import { type Caller, hasScope } from '#bridge/access';
import type { TaskService } from '#bridge/tasks';
import type { ClientFrame, EventErrorCode, ServerFrame } from './event-frames.js';

export type DecisionFrame = Extract<ClientFrame, { type: 'approve' | 'reject' }>;

/**
 * Decides a run's pending approval for an approve / reject frame, as `POST /v1/runs/{id}/approve`
 * (`/reject`) does, and answers the frame to send back: `decided`, or an error frame whose code
 * is the REST answer's (`forbidden` 403, `not_found` 404, `conflict` 409). Failures other than
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
    // A run with nothing pending is a conflict, unless there is no such run at all.
    if (error instanceof SwitchyardError && error.code === 'run_state_invalid') {
      try {
        await tasks.status(runId, { limit: 1 });
      } catch (missing) {
        if (missing instanceof SwitchyardError && missing.code === 'not_found')
          return errorFrame('not_found', missing.message);
        throw missing;
      }
      return errorFrame('conflict', error.message);
    }
    if (error instanceof SwitchyardError) {
      if (error.code === 'not_found') return errorFrame('not_found', error.message);
      if (error.code === 'conflict') return errorFrame('conflict', error.message);
      if (error.code === 'validation_failed') return errorFrame('bad_request', error.message);
    }
    throw error;
  }
}

function errorFrame(code: EventErrorCode, message: string): ServerFrame {
  return { type: 'error', code, message };
}
