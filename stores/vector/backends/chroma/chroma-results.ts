import type { QueryResult } from 'chromadb';
import { similarityFromDistance } from '../../score.js';
import type { Metric, QueryMatch } from '../../types.js';
import { decodeRecord } from './chroma-metadata.js';
import { distanceFromChroma } from './chroma-score.js';

/**
 * The matches of a one-vector Chroma query in the contract's shape: scores converted
 * (./chroma-score.ts), the original metadata and document decoded (./chroma-metadata.ts).
 */
export function toQueryMatches(result: QueryResult, metric: Metric, includeVectors: boolean): QueryMatch[] {
  const matches = (result.ids[0] ?? []).map((id, i): QueryMatch => {
    const distance = distanceFromChroma(metric, result.distances[0]?.[i] ?? Number.NaN);
    const { metadata, document } = decodeRecord(result.metadatas[0]?.[i], result.documents[0]?.[i]);
    const vector = result.embeddings[0]?.[i];
    return {
      id,
      similarity: similarityFromDistance(metric, distance),
      distance,
      metadata,
      document,
      ...(includeVectors && vector ? { vector: Array.from(vector) } : {}),
    };
  });
  // Chroma's order among equal distances is arbitrary; break ties by id as the reference does.
  return matches.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
