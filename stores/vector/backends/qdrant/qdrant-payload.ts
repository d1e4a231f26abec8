import type { JsonValue, Metadata, VectorRecord } from '../../types.js';
import { RESERVED_KEY_PREFIX } from '../../validate.js';

/**
 * How a record lives in a Qdrant point's payload:
 *
 * ```
 * { "metadata":    { ...the record's metadata, each array replaced by {} },
 *   "__sy_id":     "the original string id",
 *   "__sy_doc":    "the document"                       (absent when there is none),
 *   "__sy_arrays": { "<dotted path>": [the array], ... } (absent when the metadata has no arrays) }
 * ```
 *
 * User metadata sits in its own sub-object, so a filter on `owner.region` becomes the Qdrant key
 * `metadata.owner.region` and can never reach the bookkeeping keys, whatever the user's keys are.
 *
 * Why arrays move out: Qdrant matches an array field when ANY element matches (`match`, `range`),
 * and counts `[]` as empty for `is_empty`; the portable semantics say an array equals no scalar
 * and is present (filter-ast.ts). With an empty object in the array's place, every Qdrant
 * condition behaves as the reference does: an object matches no value and no range, is not empty,
 * and has no keys for a longer path to reach (Qdrant does not step into an array without `[]`
 * either). Queries put the arrays back, so callers get their metadata unchanged.
 */

export const METADATA_KEY = 'metadata';
export const ID_KEY = `${RESERVED_KEY_PREFIX}id`;
export const DOCUMENT_KEY = `${RESERVED_KEY_PREFIX}doc`;
export const ARRAYS_KEY = `${RESERVED_KEY_PREFIX}arrays`;

export type Payload = Record<string, unknown>;

/** The payload stored for a record (see the module comment for its layout). */
export function encodePayload(record: VectorRecord): Payload {
  const arrays: Record<string, JsonValue[]> = {};
  const payload: Payload = {
    [METADATA_KEY]: withoutArrays(record.metadata ?? {}, [], arrays),
    [ID_KEY]: record.id,
  };
  if (record.document !== undefined) payload[DOCUMENT_KEY] = record.document;
  if (Object.keys(arrays).length > 0) payload[ARRAYS_KEY] = arrays;
  return payload;
}

function withoutArrays(
  object: { [key: string]: JsonValue },
  path: string[],
  arrays: Record<string, JsonValue[]>,
): Metadata {
  const out: Metadata = {};
  for (const [key, value] of Object.entries(object)) {
    if (Array.isArray(value)) {
      // Metadata keys never contain '.', so the dotted path is unambiguous.
      arrays[[...path, key].join('.')] = value;
      out[key] = {};
    } else if (value !== null && typeof value === 'object') {
      out[key] = withoutArrays(value, [...path, key], arrays);
    } else out[key] = value;
  }
  return out;
}

export interface DecodedPayload {
  id: string;
  metadata: Metadata;
  document: string | null;
}

/**
 * Reads a point's payload back into a record's parts. `fallbackId` (the point id) is used for a
 * point written by something else than this store, which has no `__sy_id`.
 */
export function decodePayload(payload: Payload | null | undefined, fallbackId: string): DecodedPayload {
  const stored = payload?.[METADATA_KEY];
  const metadata: Metadata = isObject(stored) ? (toJson(stored) as Metadata) : {};
  const arrays = payload?.[ARRAYS_KEY];
  if (isObject(arrays)) {
    for (const [dotted, value] of Object.entries(arrays)) {
      if (Array.isArray(value)) restore(metadata, dotted.split('.'), toJson(value));
    }
  }
  const id = payload?.[ID_KEY];
  const document = payload?.[DOCUMENT_KEY];
  return {
    id: typeof id === 'string' ? id : fallbackId,
    metadata,
    document: typeof document === 'string' ? document : null,
  };
}

function restore(metadata: Metadata, path: string[], value: JsonValue): void {
  let current: { [key: string]: JsonValue } = metadata;
  for (const segment of path.slice(0, -1)) {
    const next = current[segment];
    if (!isObject(next)) return;
    current = next as { [key: string]: JsonValue };
  }
  current[path[path.length - 1]!] = value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A copy with plain JSON values only. The REST client parses integers beyond 2^53 as BigInt on
 * runtimes that have `JSON.rawJSON` (Node 22+); metadata holds numbers, as it was written.
 */
function toJson(value: unknown): JsonValue {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (isObject(value)) {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) out[key] = toJson(item);
    return out;
  }
  return value as JsonValue;
}
