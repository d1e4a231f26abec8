import { createRequire } from 'node:module';
import { type HnswParams, setHnswParams } from '../../../stores/vector/backends/faiss/faiss-binding.js';
import type { Metric } from '../../../stores/vector/types.js';
import type { RawClient } from '../raw-client.js';

/** The part of faiss-node (CommonJS, native) this client calls. */
interface FaissIndex {
  ntotal(): number;
  add(flat: number[]): void;
  search(query: number[], k: number): { distances: number[]; labels: number[] };
  toBuffer(): Buffer;
}
interface FaissModule {
  Index: {
    fromFactory(dimension: number, descriptor: string, metric: number): FaissIndex;
    fromBuffer(buffer: Buffer): FaissIndex;
  };
  MetricType: { METRIC_INNER_PRODUCT: number; METRIC_L2: number };
}

export interface FaissRawClientOptions {
  /** The index the layer's store was given. @defaultValue 'flat' (the layer's default) */
  index?: 'flat' | 'hnsw';
  /**
   * HNSW: efSearch and efConstruction, as the layer's store was given; set the same way (faiss-node
   * has no setter: written into the serialized empty index). @defaultValue the layer's defaults
   */
  hnsw: HnswParams;
}

/**
 * FAISS through faiss-node alone: one index of the kind the layer uses by default (Flat, or
 * HNSW32), inner product on normalized vectors for cosine as the layer does, and the minimum any
 * caller needs to get ids and metadata back: arrays indexed by FAISS label (labels are assigned
 * 0..n−1 in insertion order), and the raw score turned into a distance. No shards, no filters,
 * no persistence, no deletes, no copies: what remains between the two is the layer's overhead.
 */
export class FaissRawClient implements RawClient {
  readonly backend = 'faiss';
  private readonly faiss = createRequire(import.meta.url)('faiss-node') as FaissModule;
  private index: FaissIndex | null = null;
  private ids: string[] = [];
  /** Beside the labels, as any caller keeps them: FAISS holds only vectors. */
  private metadata: Record<string, unknown>[] = [];
  private metric: Metric = 'l2';
  private dimension = 0;

  constructor(private readonly options: FaissRawClientOptions) {}

  async create(_name: string, dimension: number, metric: Metric): Promise<void> {
    const metricType =
      metric === 'l2' ? this.faiss.MetricType.METRIC_L2 : this.faiss.MetricType.METRIC_INNER_PRODUCT;
    const descriptor = (this.options.index ?? 'flat') === 'flat' ? 'Flat' : 'HNSW32';
    const index = this.faiss.Index.fromFactory(dimension, descriptor, metricType);
    this.index =
      descriptor === 'Flat'
        ? index
        : this.faiss.Index.fromBuffer(setHnswParams(index.toBuffer(), this.options.hnsw));
    this.ids = [];
    this.metadata = [];
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
    for (const record of records) {
      this.ids.push(record.id);
      this.metadata.push(record.metadata);
    }
  }

  async query(vector: number[], topK: number): Promise<string[]> {
    const index = this.requireIndex();
    const total = index.ntotal();
    if (total === 0) return [];
    // faiss-node throws for k > ntotal.
    const { distances, labels } = index.search(this.prepare(vector), Math.min(topK, total));
    // What the layer's contract returns with each match: the score as a distance and the metadata.
    const matches: { id: string; distance: number; metadata: Record<string, unknown> }[] = [];
    labels.forEach((label, i) => {
      if (label < 0 || matches.length >= topK) return;
      const raw = distances[i]!;
      const distance =
        this.metric === 'l2' ? Math.sqrt(Math.max(0, raw)) : this.metric === 'cosine' ? 1 - raw : -raw;
      matches.push({ id: this.ids[label]!, distance, metadata: this.metadata[label]! });
    });
    return matches.map((match) => match.id);
  }

  async close(): Promise<void> {
    this.index = null;
    this.ids = [];
    this.metadata = [];
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
