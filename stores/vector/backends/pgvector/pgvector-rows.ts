import { ValidationError } from '#core';
import { similarityFromDistance } from '../../score.js';
import type { JsonValue, Metadata, Metric, QueryMatch, VectorRecord } from '../../types.js';
import { fromVectorText, toVectorText } from './sql-text.js';

/** Conversions between the contract's records/results and the rows of a collection table. */

export interface SearchRow {
  id: string;
  metadata: Metadata;
  document: string | null;
  distance: number | string;
  /** `embedding::text`, selected when the query asked for vectors. */
  vector?: string;
}

/** The four `text[]` parameters of upsertText, one element per record. */
export function upsertParams(
  records: readonly VectorRecord[],
): [string[], string[], string[], (string | null)[]] {
  return [
    records.map((record) => record.id),
    records.map((record) => toVectorText(record.vector)),
    records.map((record) => JSON.stringify(record.metadata ?? {})),
    records.map((record) => record.document ?? null),
  ];
}

/**
 * PostgreSQL's text and jsonb cannot hold U+0000, which validateRecords allows (it is valid JSON).
 * Refusing it here keeps "bad input is a ValidationError" instead of a driver error mid-batch.
 */
export function assertNoNulCharacters(collection: string, records: readonly VectorRecord[]): void {
  records.forEach((record, index) => {
    const holds =
      record.id.includes('\0') ||
      (record.document?.includes('\0') ?? false) ||
      (record.metadata !== undefined && jsonHoldsNul(record.metadata));
    if (holds) {
      throw new ValidationError(
        `record ${index}, id ${JSON.stringify(record.id)}: PostgreSQL cannot store the character U+0000 (found in the id, document or metadata)`,
        { collection, index },
      );
    }
  });
}

function jsonHoldsNul(value: JsonValue): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(jsonHoldsNul);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([key, item]) => key.includes('\0') || jsonHoldsNul(item));
  }
  return false;
}

/**
 * Maps rows to results and sorts them by distance, then id. With `hnsw.iterative_scan =
 * relaxed_order` the index may hand rows back slightly out of order; sorting k ≤ 1000 rows is cheap
 * and gives the memory backend's tie order.
 */
export function toMatches(rows: readonly SearchRow[], metric: Metric, includeVectors: boolean): QueryMatch[] {
  const matches = rows.map((row): QueryMatch => {
    const raw = Number(row.distance);
    // pgvector's cosine distance involving a zero vector is NaN; score.ts defines it as 1 (orthogonal).
    const distance = metric === 'cosine' && Number.isNaN(raw) ? 1 : raw;
    return {
      id: row.id,
      similarity: similarityFromDistance(metric, distance),
      distance,
      metadata: row.metadata,
      document: row.document,
      ...(includeVectors && row.vector !== undefined ? { vector: fromVectorText(row.vector) } : {}),
    };
  });
  return matches.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
