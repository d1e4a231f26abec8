import { describe, expect, it } from 'vitest';
import {
  fromQdrantDistance,
  scoreToMatch,
  specFromCollectionInfo,
  toQdrantDistance,
} from '../../../../stores/vector/backends/qdrant/qdrant-metric.js';
import { exactDistance, similarityFromDistance } from '../../../../stores/vector/score.js';
import type { CollectionInfo as QdrantInfo } from '../../../../stores/vector/types.js';

type Info = Parameters<typeof specFromCollectionInfo>[1];
const infoWith = (vectors: unknown): Info => ({ config: { params: { vectors } } }) as unknown as Info;

describe('metric mapping', () => {
  it('maps cosine → Cosine, l2 → Euclid, ip → Dot and back', () => {
    expect(toQdrantDistance('cosine')).toBe('Cosine');
    expect(toQdrantDistance('l2')).toBe('Euclid');
    expect(toQdrantDistance('ip')).toBe('Dot');
    for (const metric of ['cosine', 'l2', 'ip'] as const)
      expect(fromQdrantDistance(toQdrantDistance(metric))).toBe(metric);
    expect(fromQdrantDistance('Manhattan')).toBeUndefined();
  });
});

describe('scoreToMatch', () => {
  it('cosine: Qdrant returns cos θ, which is the similarity; distance is 1 − cos θ', () => {
    expect(scoreToMatch('cosine', 0.8)).toEqual({ similarity: 0.8, distance: 1 - 0.8 });
    expect(scoreToMatch('cosine', -1)).toEqual({ similarity: -1, distance: 2 });
  });

  it('ip: Qdrant returns the inner product, which is the similarity; distance is its negative', () => {
    expect(scoreToMatch('ip', 11)).toEqual({ similarity: 11, distance: -11 });
    expect(scoreToMatch('ip', -1)).toEqual({ similarity: -1, distance: 1 });
  });

  it('l2: Qdrant returns the euclidean DISTANCE; similarity is 1 / (1 + distance)', () => {
    expect(scoreToMatch('l2', 5)).toEqual({ similarity: 1 / 6, distance: 5 });
    expect(scoreToMatch('l2', 0)).toEqual({ similarity: 1, distance: 0 });
  });

  it('agrees with the exact reference for what Qdrant would score', () => {
    const a = [0.3, -1.2, 2];
    const b = [1, 0.5, -0.25];
    const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
    const norm = (v: number[]) => Math.hypot(...v);
    const qdrantScores = { cosine: dot / (norm(a) * norm(b)), ip: dot, l2: exactDistance('l2', a, b) };
    for (const metric of ['cosine', 'ip', 'l2'] as const) {
      const distance = exactDistance(metric, a, b);
      const match = scoreToMatch(metric, qdrantScores[metric]);
      expect(match.distance).toBeCloseTo(distance, 12);
      expect(match.similarity).toBeCloseTo(similarityFromDistance(metric, distance), 12);
    }
  });
});

describe('specFromCollectionInfo', () => {
  it('reads the Switchyard spec back from vectors {size, distance}', () => {
    const spec: Omit<QdrantInfo, 'count'> = { name: 'docs', dimension: 384, metric: 'l2' };
    expect(specFromCollectionInfo('docs', infoWith({ size: 384, distance: 'Euclid' }))).toEqual({ spec });
  });

  it('names the problem with a collection this store cannot use', () => {
    expect(specFromCollectionInfo('x', infoWith({ text: { size: 3, distance: 'Cosine' } }))).toEqual({
      problem: expect.stringMatching(/named vectors/),
    });
    expect(specFromCollectionInfo('x', infoWith({ size: 3, distance: 'Manhattan' }))).toEqual({
      problem: expect.stringMatching(/Manhattan has no Switchyard metric/),
    });
    expect(specFromCollectionInfo('x', infoWith(undefined))).toHaveProperty('problem');
  });
});
