import { toErrorPayload, ValidationError, type Logger, silentLogger } from '#core';
import { isFinalStatus, type RunStatus } from '../actors/run-records.js';
import type { RunSupervisor } from '../actors/run-supervisor.js';
import { FinalTaskError, type TaskHandler, type TaskJob, type TaskOutcome } from './task-queue.js';

/** Statuses at which a worker's attempt ends: the run is over, or set aside for a person. */
const ENDS: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'needs_attention'];

/** A task whose run ended `failed`: the task fails at once (a dead letter); its attempts would not retry the run. */
export class RunFailedError extends FinalTaskError {
  constructor(runId: string, error: { code: string; message: string } | undefined) {
    super('run_failed', `run '${runId}' failed: ${error?.message ?? 'no reason recorded'}`, {
      details: { runId, runCode: error?.code ?? null },
    });
  }
}

/**
 * How a worker runs a task: start the run (or, when the run exists — a stalled job handed over
 * from a dead worker, a retry — take it over and restore it from its snapshot), then wait until it
 * ends or rests. The job holds BullMQ's lock, so taking the run over ignores its lease.
 *
 * A run that rests (asleep, or waiting for a person) is parked when the supervisor can hand it to
 * the queue again: the attempt ends, the worker's slot frees, and a wake-up task (`resume`) brings
 * the run back at its wake time or when its approval is decided. Such a wake-up takes the run only
 * if nobody holds it (parked, or its owner died): a run live elsewhere goes on there. Without
 * parking (no queue to come back through) a run waiting for a person ends the attempt and stays
 * live in this process.
 */
export function createRunTaskHandler(supervisor: RunSupervisor, logger: Logger = silentLogger): TaskHandler {
  return async (job: TaskJob): Promise<TaskOutcome> => {
    const { runId, signal } = job;
    // The common case — a new task — is one statement (it claims the queued row); only a run that
    // is past `queued` is read first.
    const started = !job.resume && (await startOrFail(job));
    if (!started) {
      const existing = await supervisor.findRun(runId);
      if (existing && isFinalStatus(existing.status)) return finish(existing.status, existing.error);
      if (job.resume) {
        if (!existing || !(await supervisor.resumeRun(runId))) {
          // Gone, or live elsewhere (its owner goes on with it): nothing to do here.
          return { status: existing?.status ?? 'unknown' };
        }
        logger.debug({ runId }, 'woke a parked run');
      } else if (!(await supervisor.resumeRun(runId, { force: true }))) {
        // Not resumable here (needs attention, another version): the run says why.
        const run = await supervisor.getRun(runId);
        return { status: run.status };
      } else {
        logger.info({ runId, attempt: job.attempt, status: existing?.status }, 'resumed the run of a task');
      }
    }
    const parks = supervisor.parks;
    for (;;) {
      const stopped = await supervisor.waitForStatus(
        runId,
        (status, resting) => ENDS.includes(status) || resting || (!parks && status === 'awaiting_approval'),
        Infinity,
        signal,
      );
      if (ENDS.includes(stopped.status) || !parks) return finish(stopped.status, stopped.error);
      const parked = await supervisor.park(runId);
      if (parked) return { status: stopped.status, parkedUntil: parked.until };
      // Taken over meanwhile (this process lost its lease): its new owner goes on with it, and
      // this attempt must not hold its slot until the run ends elsewhere.
      if (!supervisor.isLiveHere(runId)) return { status: stopped.status };
      // It went back to work between the two looks: wait again.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    /**
     * Starts the task's run. An input its agent refuses can never start anywhere: its queued run
     * ends `failed` with that error, and the task fails for good. (An agent this process lacks
     * fails only this attempt: the run stays queued, and a retry may find a worker that has it.)
     */
    async function startOrFail(task: TaskJob) {
      try {
        return await supervisor.startRunIfNew(task.spec.agent, task.spec.input, {
          id: runId,
          ...(task.spec.requestedBy ? { requestedBy: task.spec.requestedBy } : {}),
          ...(task.spec.parentRunId ? { parentId: task.spec.parentRunId } : {}),
        });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const { code, message } = toErrorPayload(error);
        await supervisor.failQueued(runId, { code, message });
        throw new RunFailedError(runId, { code, message });
      }
    }

    function finish(status: RunStatus, error?: { code: string; message: string }): TaskOutcome {
      if (status === 'failed') throw new RunFailedError(runId, error);
      return { status };
    }
  };
}
