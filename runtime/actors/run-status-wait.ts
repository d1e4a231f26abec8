import type { EventEmitter } from 'node:events';
import { SwitchyardError } from '#core';
import type { RunEventBus } from './run-event-bus.js';
import type { LandedStatus, RunStatus } from './run-records.js';

/** What {@link waitForRunStatus} looks at: the supervisor's runs, store and notifications. */
export interface RunStatusSource {
  /**
   * For a run live (or just stopped) in this process: resolves once its writes so far landed, with
   * the status they left (undefined if it stopped here without one). Undefined for other runs.
   */
  settled(runId: string): Promise<LandedStatus | undefined> | undefined;
  isLiveHere(runId: string): boolean;
  /** Whether the run, live here, rests long enough to park. */
  resting(runId: string): boolean;
  /** Emits `status` (runId, status) after a checkpoint of a run live here landed. */
  statuses: EventEmitter;
  /** Events of runs here and, relayed, of runs elsewhere. */
  bus: RunEventBus;
}

/**
 * Resolves once the run's status satisfies `done`, or rejects at the timeout or on `signal`
 * (`timeoutMs` Infinity: as long as it takes). A run live here is seen as its checkpoints land; a
 * run elsewhere through its relayed events and, since a run elsewhere may send none here, a poll
 * of the store every 500 ms.
 */
export function waitForRunStatus<Seen extends { status: RunStatus }>(
  source: RunStatusSource,
  /** How the run is looked at once its writes landed (`landed`: what they left, for a run here). */
  read: (runId: string, landed: LandedStatus | undefined) => Promise<Seen>,
  runId: string,
  done: (status: RunStatus, resting: boolean) => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Seen> {
  const check = async () => {
    const landed = await source.settled(runId);
    const run = await read(runId, landed);
    return done(run.status, source.resting(runId)) ? run : undefined;
  };
  // Listen first, then look: a status that lands between a first look and the listener's
  // start would otherwise only be seen by the next poll.
  return new Promise<Seen>((resolve, reject) => {
    let settled = false;
    const finish = (run?: Seen, error?: unknown) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (run) resolve(run);
      else reject(error);
    };
    const onAbort = () =>
      finish(
        undefined,
        new SwitchyardError('aborted', `stopped waiting for run '${runId}': ${String(signal?.reason)}`),
      );
    if (signal?.aborted) {
      queueMicrotask(onAbort);
    } else {
      signal?.addEventListener('abort', onAbort, { once: true });
    }
    // Infinity: wait as long as it takes (a queue worker waits for its run).
    const timer = !Number.isFinite(timeoutMs)
      ? undefined
      : setTimeout(
          () =>
            finish(
              undefined,
              new SwitchyardError(
                'timeout',
                `run '${runId}' did not reach the awaited status in ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
    // One store read at a time: a look asked for while one reads runs once after it, so a
    // status landing during the first look costs no second read when that look saw it.
    let reading = false;
    let again = false;
    const look = () => {
      if (settled) return;
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      check().then(
        (run) => {
          reading = false;
          if (run) finish(run);
          else if (again) {
            again = false;
            look();
          }
        },
        (error: unknown) => {
          reading = false;
          finish(undefined, error);
        },
      );
    };
    const onStatus = (id: string, status: RunStatus) => {
      if (id === runId && done(status, source.resting(runId))) look();
    };
    // Runs live elsewhere are seen through their events (relayed); a run live here reports its
    // statuses as its checkpoints land (onStatus), so its events need no store read.
    const unsubscribeEvents = source.bus.subscribe(
      () => {
        if (!source.isLiveHere(runId)) look();
      },
      { runId },
    );
    source.statuses.on('status', onStatus);
    // A run live on another process sends no events here: read its status from the store.
    const poll = setInterval(() => {
      if (!source.isLiveHere(runId)) look();
    }, 500);
    const unsubscribe = () => {
      clearInterval(poll);
      unsubscribeEvents();
      source.statuses.off('status', onStatus);
    };
    look();
  });
}
