import { ConflictError, ValidationError } from '#core';
import type { CollectionSpec, Metadata, QueryRequest, VectorRecord } from './types.js';
import { METRICS } from './types.js';
import { DimensionMismatchError } from './vector-errors.js';

/**
 * Checks shared by every backend, run before any write so a bad batch writes nothing.
 * Each error says what is wrong and where (record index and id).
 */

export const MAX_ID_LENGTH = 512;
export const MAX_DIMENSION = 16_000;
export const MAX_TOP_K = 1000;
/** Backends store float32: a larger component would become Infinity there. */
export const FLOAT32_MAX = 3.4028234663852886e38;
/** Serialized metadata above this is refused: it is a payload, not a document store. */
export const MAX_METADATA_BYTES = 64 * 1024;
/** Metadata keys with this prefix are used by backends for their own bookkeeping. */
export const RESERVED_KEY_PREFIX = '__sy_';

const COLLECTION_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,62}$/;

export function assertCollectionName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new ValidationError(
      `invalid collection name ${JSON.stringify(name)}: use 3–63 characters of letters, digits, '_' or '-', starting with a letter or digit`,
      { field: 'name' },
    );
  }
}

export function assertCollectionSpec(spec: CollectionSpec): void {
  assertCollectionName(spec.name);
  if (!Number.isInteger(spec.dimension) || spec.dimension < 1 || spec.dimension > MAX_DIMENSION) {
    throw new ValidationError(
      `invalid dimension ${JSON.stringify(spec.dimension)} for collection '${spec.name}': expected an integer from 1 to ${MAX_DIMENSION}`,
      { field: 'dimension' },
    );
  }
  if (!METRICS.includes(spec.metric)) {
    throw new ValidationError(
      `invalid metric ${JSON.stringify(spec.metric)} for collection '${spec.name}': expected one of ${METRICS.join(', ')}`,
      { field: 'metric' },
    );
  }
}

export function assertVector(collection: string, vector: unknown, dimension: number, where: string): void {
  if (!Array.isArray(vector) && !(vector instanceof Float32Array) && !(vector instanceof Float64Array)) {
    throw new ValidationError(`${where}: vector must be an array of numbers`, { collection, where });
  }
  if (vector.length !== dimension)
    throw new DimensionMismatchError(collection, dimension, vector.length, where);
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || Math.abs(x) > FLOAT32_MAX) {
      throw new ValidationError(
        `${where}: vector[${i}] is ${String(x)}; every component must be a finite number within float32 range (±${FLOAT32_MAX})`,
        {
          collection,
          where,
          component: i,
        },
      );
    }
  }
}

/** Validates a whole batch; throws on the first bad record, naming its index and id. */
export function validateRecords(collection: string, records: unknown, dimension: number): VectorRecord[] {
  if (!Array.isArray(records)) throw new ValidationError('upsert takes an array of records', { collection });
  const seen = new Set<string>();
  records.forEach((record: unknown, index) => {
    const where = `record ${index}`;
    if (typeof record !== 'object' || record === null) {
      throw new ValidationError(`${where}: expected an object {id, vector, metadata?, document?}`, {
        collection,
        index,
      });
    }
    const { id, vector, metadata, document } = record as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
      throw new ValidationError(
        `${where}: id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
        {
          collection,
          index,
        },
      );
    }
    const named = `${where}, id '${id}'`;
    if (seen.has(id)) {
      throw new ValidationError(`${named}: duplicate id in one batch`, { collection, index, id });
    }
    seen.add(id);
    assertVector(collection, vector, dimension, named);
    if (metadata !== undefined) assertMetadata(metadata, collection, named);
    if (document !== undefined && typeof document !== 'string') {
      throw new ValidationError(`${named}: document must be a string`, { collection, index, id });
    }
  });
  return records as VectorRecord[];
}

/** Metadata must be a JSON object: no undefined, functions, NaN, Infinity, class instances or cycles. */
export function assertMetadata(
  metadata: unknown,
  collection: string,
  where: string,
): asserts metadata is Metadata {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new ValidationError(`${where}: metadata must be a JSON object`, { collection, where });
  }
  checkJson(metadata, `${where}: metadata`, collection, new Set(), true);
  const size = Buffer.byteLength(JSON.stringify(metadata));
  if (size > MAX_METADATA_BYTES) {
    throw new ValidationError(`${where}: metadata is ${size} bytes; the limit is ${MAX_METADATA_BYTES}`, {
      collection,
      where,
    });
  }
}

function checkJson(
  value: unknown,
  at: string,
  collection: string,
  ancestors: Set<object>,
  top: boolean,
): void {
  // Annotated on the binding, so TypeScript treats a call as the end of the path (narrowing).
  const bad: (what: string) => never = (what) => {
    throw new ValidationError(`${at} is not JSON: ${what}`, { collection, at });
  };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) bad(`${value} is not a finite number`);
    return;
  }
  if (typeof value !== 'object') bad(`a ${typeof value}`);
  if (ancestors.has(value)) bad('a circular reference');
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null)
    bad(`a ${proto?.constructor?.name ?? 'class'} instance`);
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkJson(item, `${at}[${i}]`, collection, ancestors, false);
  } else {
    for (const [key, item] of Object.entries(value)) {
      if (key.length === 0 || key.includes('.') || key.startsWith('$')) {
        bad(
          `key ${JSON.stringify(key)} is empty, contains '.' or starts with '$' (reserved by the filter language)`,
        );
      }
      if (top && key.startsWith(RESERVED_KEY_PREFIX))
        bad(`key '${key}' uses the reserved prefix '${RESERVED_KEY_PREFIX}'`);
      checkJson(item, `${at}.${key}`, collection, ancestors, false);
    }
  }
  ancestors.delete(value);
}

export function validateQuery(collection: string, request: QueryRequest, dimension: number): void {
  if (typeof request !== 'object' || request === null)
    throw new ValidationError('query takes {vector, topK, filter?}');
  assertVector(collection, request.vector, dimension, 'query vector');
  if (!Number.isInteger(request.topK) || request.topK < 1 || request.topK > MAX_TOP_K) {
    throw new ValidationError(
      `topK must be an integer from 1 to ${MAX_TOP_K}, got ${JSON.stringify(request.topK)}`,
      {
        collection,
        field: 'topK',
      },
    );
  }
}

/** Validates a delete-by-ids list. */
export function validateIds(collection: string, ids: unknown): string[] {
  if (!Array.isArray(ids))
    throw new ValidationError('delete takes {ids: string[]} or {filter}', { collection });
  ids.forEach((id, index) => {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
      throw new ValidationError(
        `ids[${index}] must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
        {
          collection,
          index,
        },
      );
    }
  });
  return ids as string[];
}

/** A second create with another dimension or metric is a conflict, not a silent no-op. */
export function assertSameSpec(existing: CollectionSpec, requested: CollectionSpec): void {
  if (existing.dimension !== requested.dimension || existing.metric !== requested.metric) {
    throw new ConflictError(
      `collection '${existing.name}' exists with dimension ${existing.dimension} and metric ${existing.metric}; requested dimension ${requested.dimension} and metric ${requested.metric}`,
      { collection: existing.name },
    );
  }
}
