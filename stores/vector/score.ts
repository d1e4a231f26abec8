import type { Metric } from './types.js';

/**
 * Converts between a metric's distance and the portable similarity (see QueryMatch in types.ts).
 * Backends turn their raw score into a distance first, then call {@link similarityFromDistance}.
 */

/** similarity from the metric's own distance (cosine: 1−cos, ip: −dot, l2: euclidean). */
export function similarityFromDistance(metric: Metric, distance: number): number {
  switch (metric) {
    case 'cosine':
      return 1 - distance;
    case 'ip':
      return -distance;
    case 'l2':
      return 1 / (1 + distance);
  }
}

/** Exact distance between two vectors for a metric: the reference every backend is compared to. */
export function exactDistance(metric: Metric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let squared = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
    const d = x - y;
    squared += d * d;
  }
  switch (metric) {
    case 'cosine': {
      const denominator = Math.sqrt(normA) * Math.sqrt(normB);
      // A zero vector has no direction; treat it as orthogonal to everything (as pgvector returns NaN, we do not).
      return denominator === 0 ? 1 : 1 - dot / denominator;
    }
    case 'ip':
      return -dot;
    case 'l2':
      return Math.sqrt(squared);
  }
}

/** Scales a vector to unit length (cosine on inner-product indexes). A zero vector is returned as is. */
export function normalize(vector: ArrayLike<number>): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  const out = new Float32Array(vector.length);
  if (norm === 0) return out;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale;
  return out;
}
