import { fromErrorPayload, toErrorPayload } from '#core';
import { OutcomeUnknownError } from './run-errors.js';
import type { RunStore } from './run-store.js';

export interface EffectMeta {
  kind: string;
  name: string;
  idempotent: boolean;
}

export interface EffectOutcome<T> {
  value: T;
  /** True when the value came from the journal: the effect had completed before a restart. */
  replayed: boolean;
}

/**
 * Runs a side effect of a run at most once per key, with the journal as the record of truth:
 * - no row: record `started`, do the work, record `completed` (or `failed`) with its value;
 * - `completed` / `failed`: answer with the recorded value or error, without doing the work;
 * - `started` (the run stopped mid-effect, outcome unknown): repeat it when it is idempotent,
 *   else throw {@link OutcomeUnknownError} so the run is set aside for a person.
 * An effect that ends with an error `leaveOpen` accepts stays `started`: aborted (the run was
 * cancelled or stopped; its outcome is unknown), or to be tried again later (a rate limit).
 *
 * Every journal write is guarded by the run's owner: a process that lost the run (its lease ran
 * out during a partition and another worker took over) gets LeaseLostError and writes nothing.
 */
export async function runJournaledEffect<T>(
  store: RunStore,
  run: { runId: string; owner: string },
  key: string,
  meta: EffectMeta,
  work: () => Promise<T>,
  leaveOpen: (error: unknown) => boolean,
): Promise<EffectOutcome<T>> {
  const { runId, owner } = run;
  const { effect, created } = await store.beginEffect({ runId, key, ...meta, owner });
  if (!created) {
    if (effect.status === 'completed') return { value: effect.result as T, replayed: true };
    if (effect.status === 'failed') {
      const error = effect.error ?? { code: 'internal', message: 'failed' };
      throw fromErrorPayload({ name: 'ReplayedEffectError', details: { runId, key }, ...error });
    }
    if (!effect.idempotent) throw new OutcomeUnknownError(runId, key, effect.name);
    await store.retryEffect(runId, key, owner);
  }
  let value: T;
  try {
    value = await work();
  } catch (error) {
    if (!leaveOpen(error)) {
      const { code, message } = toErrorPayload(error);
      await store.finishEffect(runId, key, { status: 'failed', error: { code, message } }, owner);
    }
    throw error;
  }
  await store.finishEffect(runId, key, { status: 'completed', result: value }, owner);
  return { value, replayed: false };
}
