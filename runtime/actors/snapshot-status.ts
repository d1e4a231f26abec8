import type { Snapshot } from 'xstate';
import type { RunRecord, RunStatus } from './run-records.js';

interface MachineLike {
  status: string;
  output?: unknown;
  hasTag?: (tag: string) => boolean;
}

/**
 * A run's status as its statechart shows it: a final state tagged `failed` is a failure (its
 * output's `error` becomes the run's error), any other final state a completion; a state tagged
 * `awaiting_approval` — or an approval the run is waiting on — is `awaiting_approval`.
 */
export function statusOfSnapshot(
  snapshot: Snapshot<unknown>,
  waitingForApproval: boolean,
): { status: RunStatus; error?: RunRecord['error'] } {
  const s = snapshot as unknown as MachineLike;
  if (s.status === 'done') {
    if (s.hasTag?.('failed')) return { status: 'failed', error: errorFromOutput(s.output) };
    return { status: 'completed' };
  }
  if (waitingForApproval || s.hasTag?.('awaiting_approval')) return { status: 'awaiting_approval' };
  return { status: 'running' };
}

function errorFromOutput(output: unknown): RunRecord['error'] {
  const error = (output as { error?: unknown } | undefined)?.error;
  if (error && typeof error === 'object' && 'message' in error) {
    const e = error as { code?: unknown; message: unknown };
    return { code: typeof e.code === 'string' ? e.code : 'agent_failed', message: String(e.message) };
  }
  return {
    code: 'agent_failed',
    message: typeof error === 'string' ? error : 'the agent ended in a failed state',
  };
}

/** The context fields of a persisted snapshot, largest first, with their sizes (for the budget error). */
export function largestContextFields(persisted: unknown, count = 3): string[] {
  const context = (persisted as { context?: Record<string, unknown> } | undefined)?.context;
  if (!context || typeof context !== 'object') return [];
  return Object.entries(context)
    .map(([name, value]) => ({ name, bytes: Buffer.byteLength(JSON.stringify(value) ?? '') }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count)
    .map((f) => `${f.name} (${f.bytes} bytes)`);
}
