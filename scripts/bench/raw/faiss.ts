import { createRequire } from 'node:module';
import type { Metric } from '../../../stores/vector/types.js';
import type { RawClient } from '../raw-client.js';

/** The part of faiss-node (CommonJS, native) this client calls. */
interface FaissIndex {
  ntotal(): number;
  add(flat: number[]): void;
  search(query: number[], k: number): { distances: number[]; labels: number[] };
}
interface FaissModule {
  Index: { fromFactory(dimension: number, descriptor: string, metric: number): FaissIndex };
  MetricType: { METRIC_INNER_PRODUCT: number; METRIC_L2: number };
}

export interface FaissRawClientOptions {
  /** The index the layer's store was given. @defaultValue 'flat' (the layer's default) */
  index?: 'flat' | 'hnsw';
  /** HNSW: results asked for per query (FAISS explores max(efSearch, k)), as the layer. @defaultValue 64 */
  efSearch?: number;
}

/**
 * FAISS through faiss-node alone: one index of the kind the layer uses by default (Flat, or
 * HNSW32), inner product on normalized vectors for cosine as the layer does, and the minimum any
 * caller needs to get its ids back: an array from FAISS label to string id (labels are assigned
 * 0..n−1 in insertion order). No shards, no sidecar, no filters, no persistence, no deletes:
 * what remains between the two is the layer's overhead.
 */
export class FaissRawClient implements RawClient {
  readonly backend = 'faiss';
  private readonly faiss = createRequire(import.meta.url)('faiss-node') as FaissModule;
  private index: FaissIndex | null = null;
  private ids: string[] = [];
  private metric: Metric = 'l2';
  private dimension = 0;

  constructor(private readonly options: FaissRawClientOptions = {}) {}

  async create(_name: string, dimension: number, metric: Metric): Promise<void> {
    const metricType =
      metric === 'l2' ? this.faiss.MetricType.METRIC_L2 : this.faiss.MetricType.METRIC_INNER_PRODUCT;
    const descriptor = (this.options.index ?? 'flat') === 'flat' ? 'Flat' : 'HNSW32';
    this.index = this.faiss.Index.fromFactory(dimension, descriptor, metricType);
    this.ids = [];
    this.metric = metric;
    this.dimension = dimension;
  }

  async upsert(
    records: readonly { id: string; vector: number[]; metadata: Record<string, unknown> }[],
  ): Promise<void> {
    const index = this.requireIndex();
    const flat = new Array<number>(records.length * this.dimension);
    records.forEach((record, i) => {
      const vector = this.prepare(record.vector);
      for (let j = 0; j < this.dimension; j++) flat[i * this.dimension + j] = vector[j]!;
    });
    index.add(flat);
    for (const record of records) this.ids.push(record.id);
  }

  async query(vector: number[], topK: number): Promise<string[]> {
    const index = this.requireIndex();
    const total = index.ntotal();
    if (total === 0) return [];
    // faiss-node throws for k > ntotal; HNSW gets the layer's effective efSearch.
    const wanted = this.options.index === 'hnsw' ? Math.max(topK, this.options.efSearch ?? 64) : topK;
    const { labels } = index.search(this.prepare(vector), Math.min(wanted, total));
    const ids: string[] = [];
    for (const label of labels) {
      if (label >= 0 && ids.length < topK) ids.push(this.ids[label]!);
    }
    return ids;
  }

  async close(): Promise<void> {
    this.index = null;
    this.ids = [];
  }

  private prepare(vector: number[]): number[] {
    if (this.metric !== 'cosine') return vector;
    const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
    return norm === 0 ? vector : vector.map((x) => x / norm);
  }

  private requireIndex(): FaissIndex {
    if (!this.index) throw new Error('FaissRawClient: create() first');
    return this.index;
  }
}
