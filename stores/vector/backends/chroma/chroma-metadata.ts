import type { JsonValue, Metadata } from '../../types.js';
import { RESERVED_KEY_PREFIX } from '../../validate.js';

/**
 * How Switchyard metadata (any JSON object) is stored in Chroma, whose metadata values must be
 * scalars. One record's Chroma metadata holds:
 * - `__sy_json`: the original metadata as JSON, which is what results return;
 * - `__sy_doc`: whether the record has a document (Chroma cannot clear a document, see below);
 * - every non-null scalar leaf under its dotted path (`owner.region`), for filtering. Arrays and
 *   objects have no value key, so they equal no scalar (the semantics of filter-ast.ts);
 * - `__sy_t.<path>`: the JSON type of every non-null value at every depth (`string`, `number`,
 *   `boolean`, `array`, `object`). `$exists` and negated ranges compile to conditions on it,
 *   because Chroma has no `$exists` and no `$not`.
 * A null value writes no key, so null reads as missing everywhere, as the semantics require.
 */

export type ChromaScalar = string | number | boolean;
/** A record's metadata as Chroma stores it: flat, scalar values only. */
export type ChromaMetadata = Record<string, ChromaScalar>;

export const JSON_KEY = `${RESERVED_KEY_PREFIX}json`;
export const DOCUMENT_FLAG_KEY = `${RESERVED_KEY_PREFIX}doc`;
const TYPE_KEY_PREFIX = `${RESERVED_KEY_PREFIX}t.`;
/** Chroma silently drops metadata keys that start with `chroma:`; such paths are stored under this prefix. */
const ESCAPED_KEY_PREFIX = `${RESERVED_KEY_PREFIX}e.`;
const CHROMA_RESERVED = /^chroma:/i;
/**
 * Never written. Validation forbids top-level user keys with the reserved prefix, so a filter on
 * such a path must see a missing field; pointing it here gives exactly that.
 */
const ABSENT_KEY = `${RESERVED_KEY_PREFIX}absent`;

export type ValueType = 'string' | 'number' | 'boolean' | 'array' | 'object';
export const VALUE_TYPES: readonly ValueType[] = ['string', 'number', 'boolean', 'array', 'object'];

/** The Chroma key holding the scalar at `path`. Keys cannot contain '.', so the dotted form is unambiguous. */
export function valueKey(path: readonly string[]): string {
  if (path[0]?.startsWith(RESERVED_KEY_PREFIX)) return ABSENT_KEY;
  const dotted = path.join('.');
  return CHROMA_RESERVED.test(dotted) ? `${ESCAPED_KEY_PREFIX}${dotted}` : dotted;
}

/** The Chroma key holding the JSON type of the value at `path` (present iff the value is non-null). */
export function typeKey(path: readonly string[]): string {
  if (path[0]?.startsWith(RESERVED_KEY_PREFIX)) return ABSENT_KEY;
  return `${TYPE_KEY_PREFIX}${path.join('.')}`;
}

/** Encodes validated metadata for Chroma (see the module comment). */
export function encodeMetadata(metadata: Metadata | undefined, hasDocument: boolean): ChromaMetadata {
  // Entries, not assignments: a user key like `__proto__` must become a key, not a prototype.
  const entries: [string, ChromaScalar][] = [
    [JSON_KEY, JSON.stringify(metadata ?? {})],
    [DOCUMENT_FLAG_KEY, hasDocument],
  ];
  const visit = (value: JsonValue, path: string[]): void => {
    if (value === null) return;
    const type = typeOf(value);
    entries.push([typeKey(path), type]);
    if (type === 'object') {
      for (const [key, child] of Object.entries(value as Record<string, JsonValue>))
        visit(child, [...path, key]);
    } else if (type !== 'array') {
      entries.push([valueKey(path), value as ChromaScalar]);
    }
  };
  for (const [key, value] of Object.entries(metadata ?? {})) visit(value, [key]);
  return Object.fromEntries(entries);
}

/** The metadata and document a record was written with. */
export function decodeRecord(
  stored: Record<string, unknown> | null | undefined,
  document: string | null | undefined,
): { metadata: Metadata; document: string | null } {
  const json = stored?.[JSON_KEY];
  if (typeof json !== 'string') {
    // Not written by Switchyard (no JSON copy): return Chroma's metadata as it is.
    return { metadata: { ...(stored as Metadata | null | undefined) }, document: document ?? null };
  }
  return {
    metadata: JSON.parse(json) as Metadata,
    document: stored?.[DOCUMENT_FLAG_KEY] === false ? null : (document ?? null),
  };
}

function typeOf(value: Exclude<JsonValue, null>): ValueType {
  if (Array.isArray(value)) return 'array';
  return typeof value as ValueType;
}
