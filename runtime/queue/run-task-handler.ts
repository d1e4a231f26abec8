import { SwitchyardError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { isFinalStatus, type RunStatus } from '../actors/run-records.js';
import type { RunSupervisor } from '../actors/run-supervisor.js';
import type { TaskHandler, TaskJob, TaskOutcome } from './task-queue.js';

/** Statuses at which a worker's attempt ends: the run is over, or waits for a person. */
const STOPS: readonly RunStatus[] = [
  'completed',
  'failed',
  'cancelled',
  'awaiting_approval',
  'needs_attention',
];

/** A task whose run ended `failed`: the queue keeps it as a dead letter (its attempts are not a retry of the run). */
export class RunFailedError extends SwitchyardError {
  constructor(runId: string, error: { code: string; message: string } | undefined) {
    super('run_failed', `run '${runId}' failed: ${error?.message ?? 'no reason recorded'}`, {
      details: { runId, runCode: error?.code ?? null },
    });
  }
}

/**
 * How a worker runs a task: start the run (or, when the run exists — a stalled job handed over
 * from a dead worker, a retry, a resume after approval — take it over and restore it from its
 * snapshot), then wait until it stops. Completed and parked runs end the attempt normally; a
 * failed run fails it. The job holds BullMQ's lock, so taking the run over ignores its lease.
 */
export function createRunTaskHandler(supervisor: RunSupervisor, logger: Logger = silentLogger): TaskHandler {
  return async (job: TaskJob): Promise<TaskOutcome> => {
    const { runId, spec, signal } = job;
    const existing = await supervisor.findRun(runId);
    if (existing && isFinalStatus(existing.status)) return finish(existing.status, existing.error);
    if (!existing) {
      await supervisor.startRun(spec.agent, spec.input, {
        id: runId,
        ...(spec.requestedBy ? { requestedBy: spec.requestedBy } : {}),
        ...(spec.parentRunId ? { parentId: spec.parentRunId } : {}),
      });
    } else if (!(await supervisor.resumeRun(runId, { force: true }))) {
      // Not resumable here (needs attention, another version): the run says why.
      const run = await supervisor.getRun(runId);
      return { status: run.status };
    } else {
      logger.info({ runId, attempt: job.attempt, status: existing.status }, 'resumed the run of a task');
    }
    const stopped = await supervisor.waitFor(runId, (status) => STOPS.includes(status), Infinity, signal);
    return finish(stopped.status, stopped.error);

    function finish(status: RunStatus, error?: { code: string; message: string }): TaskOutcome {
      if (status === 'failed') throw new RunFailedError(runId, error);
      return { status };
    }
  };
}
