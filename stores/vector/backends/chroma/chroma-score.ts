import type { Metric } from '../../types.js';

/**
 * Turns the distance Chroma reports into the metric's own distance of the contract (types.ts):
 * - l2: Chroma reports the squared euclidean distance; the contract wants it not squared.
 *   Float32 rounding can make an exact match slightly negative, hence the clamp.
 * - cosine: Chroma reports 1 − cos θ, which is the contract's distance.
 * - ip: Chroma reports 1 − dot; the contract's distance is −dot.
 */
export function distanceFromChroma(metric: Metric, reported: number): number {
  switch (metric) {
    case 'l2':
      return Math.sqrt(Math.max(0, reported));
    case 'cosine':
      return reported;
    case 'ip':
      return reported - 1;
  }
}
