import type { Schemas } from '@qdrant/js-client-rest';
import { similarityFromDistance } from '../../score.js';
import type { CollectionSpec, Metric } from '../../types.js';

/**
 * Metrics, scores and collection definitions between Switchyard and Qdrant.
 *
 * Qdrant's `score` is not one thing: for Cosine and Dot it is a similarity (higher is better), for
 * Euclid it is the euclidean distance itself (lower is better, not squared). The portable score
 * contract is in types.ts (QueryMatch).
 */

export type QdrantDistance = Schemas['Distance'];

const TO_QDRANT: Record<Metric, QdrantDistance> = { cosine: 'Cosine', l2: 'Euclid', ip: 'Dot' };

export function toQdrantDistance(metric: Metric): QdrantDistance {
  return TO_QDRANT[metric];
}

/** The metric of a Qdrant distance; undefined for one Switchyard has no metric for (Manhattan). */
export function fromQdrantDistance(distance: string): Metric | undefined {
  return (Object.keys(TO_QDRANT) as Metric[]).find((metric) => TO_QDRANT[metric] === distance);
}

/** `similarity` and `distance` of a result from Qdrant's raw score for the collection's metric. */
export function scoreToMatch(metric: Metric, score: number): { similarity: number; distance: number } {
  switch (metric) {
    case 'cosine':
      // score = cos θ (Qdrant normalizes stored and query vectors for Cosine).
      return { similarity: score, distance: 1 - score };
    case 'ip':
      // score = the inner product; distance follows pgvector's `<#>`: its negative.
      return { similarity: score, distance: -score };
    case 'l2':
      // score = the euclidean distance.
      return { similarity: similarityFromDistance('l2', score), distance: score };
  }
}

/**
 * The Switchyard definition of a Qdrant collection, read back from its vectors config
 * (`{size, distance}`), or the reason it is not one this store can use: several named vectors, or a
 * distance with no Switchyard metric.
 */
export function specFromCollectionInfo(
  name: string,
  info: Pick<Schemas['CollectionInfo'], 'config'>,
): { spec: CollectionSpec } | { problem: string } {
  const vectors = info.config.params.vectors as Record<string, unknown> | undefined;
  if (!vectors || typeof vectors.size !== 'number' || typeof vectors.distance !== 'string') {
    return { problem: 'it has named vectors (or none); this store uses one unnamed vector per point' };
  }
  const metric = fromQdrantDistance(vectors.distance);
  if (!metric) return { problem: `its distance ${vectors.distance} has no Switchyard metric` };
  return { spec: { name, dimension: vectors.size, metric } };
}
