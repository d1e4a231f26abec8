import type { Metric } from '../../stores/vector/types.js';

/** Seeded, clustered vectors: what real embeddings look like to an ANN index (not uniform noise). */
export interface Dataset {
  dimension: number;
  metric: Metric;
  ids: string[];
  vectors: Float32Array[];
  metadata: { cluster: number; bucket: number }[];
  queries: Float32Array[];
}

/** mulberry32: a small, fast, seedable PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(next: () => number): number {
  // Box–Muller.
  const u = Math.max(next(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

function unit(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
  return vector;
}

export function makeDataset(options: {
  n: number;
  dimension: number;
  queries: number;
  seed: number;
  metric: Metric;
  clusters?: number;
}): Dataset {
  const { n, dimension, queries, seed, metric } = options;
  const clusters = options.clusters ?? Math.max(8, Math.round(Math.sqrt(n) / 2));
  const next = prng(seed);
  const centers = Array.from({ length: clusters }, () =>
    unit(Float32Array.from({ length: dimension }, () => gaussian(next))),
  );
  const spread = 0.35 / Math.sqrt(dimension);
  const sample = (): { vector: Float32Array; cluster: number } => {
    const cluster = Math.floor(next() * clusters);
    const center = centers[cluster]!;
    const vector = Float32Array.from(center, (c) => c + gaussian(next) * spread * Math.sqrt(dimension) * 0.3);
    return { vector: metric === 'cosine' ? unit(vector) : vector, cluster };
  };
  const ids: string[] = [];
  const vectors: Float32Array[] = [];
  const metadata: Dataset['metadata'] = [];
  for (let i = 0; i < n; i++) {
    const { vector, cluster } = sample();
    ids.push(`doc-${i}`);
    vectors.push(vector);
    metadata.push({ cluster, bucket: i % 10 });
  }
  return {
    dimension,
    metric,
    ids,
    vectors,
    metadata,
    queries: Array.from({ length: queries }, () => sample().vector),
  };
}
