import { createHash } from 'node:crypto';
import type { ChatMessage } from '#runtime/llm';

/**
 * The pure parts of the tool-agent's loop: what stops a model that goes round in circles, and
 * what keeps its transcript (which lives in the persisted snapshot) small.
 */

/** A short, stable digest: context keeps these instead of arguments or results. */
export function digest(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are the same call. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The identity of a call for the repeat guard: the tool and its arguments. */
export function callSignature(name: string, args: Record<string, unknown>): string {
  return digest({ name, args });
}

export interface RepeatViolation {
  name: string;
  /** Times this call would have been made, counting the planned one. */
  times: number;
}

/**
 * The first planned call that would make the same tool with the same arguments run more than
 * `maxRepeats` times in the run (calls made before are `counts`, by signature).
 */
export function findRepeat(
  counts: Readonly<Record<string, number>>,
  planned: ReadonlyArray<{ name: string; arguments: Record<string, unknown> }>,
  maxRepeats: number,
): RepeatViolation | undefined {
  const seen = { ...counts };
  for (const call of planned) {
    const signature = callSignature(call.name, call.arguments);
    const times = (seen[signature] ?? 0) + 1;
    seen[signature] = times;
    if (times > maxRepeats) return { name: call.name, times };
  }
  return undefined;
}

/** Adds the planned calls to the per-signature counts. */
export function countCalls(
  counts: Readonly<Record<string, number>>,
  calls: ReadonlyArray<{ name: string; arguments: Record<string, unknown> }>,
): Record<string, number> {
  const next = { ...counts };
  for (const call of calls) {
    const signature = callSignature(call.name, call.arguments);
    next[signature] = (next[signature] ?? 0) + 1;
  }
  return next;
}

/**
 * Progress is new information: a step whose every observation (tool + result) was seen before
 * taught the model nothing. Returns the new seen-set and the stalled-step count after this step.
 */
export function trackProgress(
  seen: readonly string[],
  stalledSteps: number,
  observations: ReadonlyArray<{ name: string; content: string; isError: boolean }>,
  maxSeen = 1_000,
): { seen: string[]; stalledSteps: number; progressed: boolean } {
  const known = new Set(seen);
  const fresh = observations
    .map((o) => digest({ name: o.name, content: o.content, isError: o.isError }))
    .filter((d) => !known.has(d));
  const progressed = fresh.length > 0;
  // Bounded: the oldest digests go first (a very long run may then count an old result as new).
  const next = [...seen, ...new Set(fresh)].slice(-maxSeen);
  return { seen: next, stalledSteps: progressed ? 0 : stalledSteps + 1, progressed };
}

/** Cuts text to at most `maxChars`, saying how much was left out. */
export function truncate(text: string, maxChars: number, where = ''): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n…[truncated: ${text.length - maxChars} more characters${where ? `; the full result is in ${where}` : ''}]`;
}

const ELIDED = '[elided to keep the transcript small; the full result is in the run’s effects journal]';

/**
 * Keeps the transcript's JSON under `maxBytes` by eliding the content of the oldest tool
 * messages first (the model keeps the calls and their ids, so the conversation stays valid).
 */
export function compactTranscript(transcript: readonly ChatMessage[], maxBytes: number): ChatMessage[] {
  const next = [...transcript];
  let bytes = Buffer.byteLength(JSON.stringify(next));
  for (let i = 0; i < next.length && bytes > maxBytes; i += 1) {
    const message = next[i]!;
    if (message.role !== 'tool' || message.content === ELIDED) continue;
    const before = Buffer.byteLength(JSON.stringify(message.content));
    next[i] = { ...message, content: ELIDED };
    bytes -= before - Buffer.byteLength(JSON.stringify(ELIDED));
  }
  return next;
}
