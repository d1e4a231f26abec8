import type { ApiScope } from '#runtime/config';
import { type FieldMatcher, fieldMatcher, redactArguments } from './redact-arguments.js';

/**
 * What a caller may see of the tool calls inside runs. Run events, approval records and task
 * status carry the arguments agents passed to tools and previews of what the tools answered:
 * arguments are always served redacted (field names by pattern, at any depth), and previews only
 * to keys that may call tools themselves (`call` or `admin`). A `read` key watches runs without
 * learning what the tools returned.
 */
export interface Disclosure {
  readonly redact: FieldMatcher;
  readonly previews: boolean;
}

export function disclosureFor(
  scopes: ReadonlySet<ApiScope>,
  redact: FieldMatcher | readonly string[],
): Disclosure {
  return {
    redact: typeof redact === 'function' ? redact : fieldMatcher(redact),
    previews: scopes.has('call') || scopes.has('admin'),
  };
}

/**
 * The data of one run event as `disclosure` allows: `arguments` redacted, `details` (an
 * approval's, which holds the gated call's arguments) redacted, and `preview` dropped or, when
 * it is JSON, redacted like arguments. Other fields are the agent's own and pass unchanged.
 */
export function discloseEventData(
  data: Record<string, unknown>,
  disclosure: Disclosure,
): Record<string, unknown> {
  if (!('arguments' in data || 'details' in data || 'preview' in data)) return data;
  const { preview, ...rest } = data;
  const out: Record<string, unknown> = { ...rest };
  if ('arguments' in data) out.arguments = redactArguments(data.arguments, disclosure.redact);
  if ('details' in data) out.details = redactArguments(data.details, disclosure.redact);
  if (preview !== undefined && disclosure.previews) out.preview = redactedPreview(preview, disclosure.redact);
  return out;
}

/** A run event (any shape with `data`) with its data disclosed as {@link discloseEventData} says. */
export function discloseEvent<T extends { data: Record<string, unknown> }>(
  event: T,
  disclosure: Disclosure,
): T {
  const data = discloseEventData(event.data, disclosure);
  return data === event.data ? event : { ...event, data };
}

/** An approval record's `details` (the gated call and its arguments), redacted. */
export function discloseApproval<T extends { details: Record<string, unknown> }>(
  record: T,
  disclosure: Disclosure,
): T {
  return {
    ...record,
    details: redactArguments(record.details, disclosure.redact) as Record<string, unknown>,
  };
}

/**
 * A preview is text, often JSON cut at 500 characters (so it may not parse). Every `"name": value`
 * pair in it whose name matches gets "[redacted]" as its value, whole JSON or not.
 */
function redactedPreview(preview: unknown, redact: FieldMatcher): unknown {
  if (typeof preview !== 'string') return redactArguments(preview, redact);
  return preview.replace(JSON_PAIR, (pair, name: string) =>
    redact(name) ? `"${name}": "[redacted]"` : pair,
  );
}

/** A JSON string key and its value: a string (to its end, or to the end of the cut text) or a scalar. */
const JSON_PAIR = /"((?:[^"\\]|\\.)*)"\s*:\s*("(?:[^"\\]|\\.)*(?:"|$)|[^,}\]\s]+)/g;
