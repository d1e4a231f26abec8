import type { Dataset } from './dataset.js';

/**
 * The exact top-k ids of every query, by brute force over Float32 data. Ties are broken by
 * index, as the memory backend does.
 */
export function exactTopK(data: Dataset, topK: number, onProgress?: (done: number) => void): string[][] {
  const { vectors, queries, metric, ids } = data;
  const norms = metric === 'cosine' ? vectors.map(norm) : null;
  return queries.map((query, q) => {
    const best: { index: number; distance: number }[] = [];
    const queryNorm = norm(query);
    for (let i = 0; i < vectors.length; i++) {
      const v = vectors[i]!;
      let distance: number;
      if (metric === 'l2') {
        let s = 0;
        for (let j = 0; j < v.length; j++) {
          const d = v[j]! - query[j]!;
          s += d * d;
        }
        distance = s;
      } else {
        let dot = 0;
        for (let j = 0; j < v.length; j++) dot += v[j]! * query[j]!;
        distance = metric === 'ip' ? -dot : 1 - dot / (norms![i]! * queryNorm || 1);
      }
      if (best.length < topK || distance < best[best.length - 1]!.distance) {
        best.push({ index: i, distance });
        best.sort((a, b) => a.distance - b.distance || a.index - b.index);
        if (best.length > topK) best.pop();
      }
    }
    onProgress?.(q + 1);
    return best.map((b) => ids[b.index]!);
  });
}

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/** Fraction of the true top-k found, averaged over queries. */
export function recallAtK(found: string[][], truth: string[][]): number {
  let hits = 0;
  let total = 0;
  found.forEach((ids, q) => {
    const expected = new Set(truth[q]);
    total += expected.size;
    for (const id of ids) if (expected.has(id)) hits++;
  });
  return total === 0 ? 1 : hits / total;
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return 0;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}
