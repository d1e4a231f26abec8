import { QdrantClient } from '@qdrant/js-client-rest';
import pLimit from 'p-limit';
import { v5 as uuidv5 } from 'uuid';
import { POINT_ID_NAMESPACE } from '../../../stores/vector/backends/qdrant/point-id.js';
import type { Metric } from '../../../stores/vector/types.js';
import type { RawClient } from '../raw-client.js';

export interface QdrantRawClientOptions {
  /** Qdrant's REST URL (the bench uses this client only when QDRANT_URL is set). */
  url: string;
  apiKey?: string;
  /** Points per upsert request, as the layer's default. @defaultValue 256 */
  batchSize?: number;
  /** Upsert requests in flight, as the layer's default. @defaultValue 4 */
  concurrency?: number;
  /** `params.hnsw_ef` at query; pass what the layer's store was given. @defaultValue Qdrant's default */
  hnswEf?: number;
}

const DISTANCE: Record<Metric, 'Cosine' | 'Euclid' | 'Dot'> = { cosine: 'Cosine', l2: 'Euclid', ip: 'Dot' };

/**
 * Qdrant through `@qdrant/js-client-rest` alone: the same collection settings, UUIDv5 point ids,
 * payload with the original id and `wait=true` batches the layer uses, and results mapped back to
 * the original ids from the payload, as a caller of the bare client would have to.
 */
export class QdrantRawClient implements RawClient {
  readonly backend = 'qdrant';
  private readonly client: QdrantClient;
  private collection: string | null = null;

  constructor(private readonly options: QdrantRawClientOptions) {
    const url = new URL(options.url);
    this.client = new QdrantClient({
      url: url.origin,
      ...(url.pathname !== '/' ? { prefix: url.pathname.replace(/\/$/, '') } : {}),
      ...(options.apiKey ? { headers: { 'api-key': options.apiKey } } : {}),
      checkCompatibility: false,
    });
  }

  async create(name: string, dimension: number, metric: Metric): Promise<void> {
    this.collection = `bench_raw_${name}`;
    await this.client.createCollection(this.collection, {
      vectors: { size: dimension, distance: DISTANCE[metric] },
    });
  }

  async upsert(
    records: readonly { id: string; vector: number[]; metadata: Record<string, unknown> }[],
  ): Promise<void> {
    const collection = this.requireCollection();
    const size = this.options.batchSize ?? 256;
    const limit = pLimit(this.options.concurrency ?? 4);
    const requests: Promise<unknown>[] = [];
    for (let offset = 0; offset < records.length; offset += size) {
      const points = records.slice(offset, offset + size).map((record) => ({
        id: uuidv5(record.id, POINT_ID_NAMESPACE),
        vector: record.vector,
        payload: { metadata: record.metadata, __sy_id: record.id },
      }));
      requests.push(limit(() => this.client.upsert(collection, { wait: true, points })));
    }
    await Promise.all(requests);
  }

  async query(vector: number[], topK: number): Promise<string[]> {
    const { points } = await this.client.query(this.requireCollection(), {
      query: vector,
      limit: topK,
      with_payload: true,
      ...(this.options.hnswEf ? { params: { hnsw_ef: this.options.hnswEf } } : {}),
    });
    return points.map((point) => {
      const id = point.payload?.__sy_id;
      return typeof id === 'string' ? id : String(point.id);
    });
  }

  async close(): Promise<void> {
    if (this.collection) await this.client.deleteCollection(this.collection);
    this.collection = null;
  }

  private requireCollection(): string {
    if (!this.collection) throw new Error('QdrantRawClient: call create() first');
    return this.collection;
  }
}
