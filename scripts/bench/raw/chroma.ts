import { ChromaClient, type Collection, type Metadata } from 'chromadb';
import pLimit from 'p-limit';
import {
  DEFAULT_HNSW,
  type HnswSettings,
  hnswConfiguration,
  toChromaName,
} from '../../../stores/vector/backends/chroma/chroma-collections.js';
import type { Metric } from '../../../stores/vector/types.js';
import type { RawClient } from '../raw-client.js';

export interface ChromaRawClientOptions {
  /** The Chroma server, e.g. `http://127.0.0.1:8000` (the bench uses this client only when CHROMA_URL is set). */
  url: string;
  /** @defaultValue 'default_tenant' */
  tenant?: string;
  /** @defaultValue 'default_database' */
  database?: string;
  /** Records per upsert request, as the layer's default. @defaultValue 500 */
  batchSize?: number;
  /** Upsert requests in flight, as the layer's default. @defaultValue 2 */
  concurrency?: number;
  /** HNSW settings; pass what the layer's store was given. @defaultValue the layer's DEFAULT_HNSW */
  hnsw?: Partial<HnswSettings>;
}

/**
 * Chroma through the chromadb client alone: a collection with the same HNSW configuration the
 * layer creates (space from the metric, ef_construction, ef_search, max_neighbors) and no
 * embedding function, the same batch size and concurrency, `collection.upsert` with metadata
 * made scalar (Chroma's requirement: a caller of the bare client must do that too) and
 * `collection.query` returning ids best first. None of the layer's validation, read-before-write
 * key removal, metadata flattening, filter compilation or score conversion.
 */
export class ChromaRawClient implements RawClient {
  readonly backend = 'chroma';
  private readonly client: ChromaClient;
  private collection: Collection | null = null;

  constructor(private readonly options: ChromaRawClientOptions) {
    const url = new URL(options.url);
    const ssl = url.protocol === 'https:';
    this.client = new ChromaClient({
      host: url.hostname,
      port: url.port === '' ? (ssl ? 443 : 80) : Number(url.port),
      ssl,
      tenant: options.tenant ?? 'default_tenant',
      database: options.database ?? 'default_database',
    });
  }

  async create(name: string, dimension: number, metric: Metric): Promise<void> {
    void dimension; // Chroma takes the dimension from the first vector it receives.
    this.collection = await this.client.createCollection({
      name: toChromaName(`bench_raw_${name}`),
      embeddingFunction: null,
      configuration: hnswConfiguration(metric, { ...DEFAULT_HNSW, ...this.options.hnsw }),
    });
  }

  async upsert(
    records: readonly { id: string; vector: number[]; metadata: Record<string, unknown> }[],
  ): Promise<void> {
    const collection = this.requireCollection();
    const size = this.options.batchSize ?? 500;
    const limit = pLimit(this.options.concurrency ?? 2);
    const requests: Promise<void>[] = [];
    for (let offset = 0; offset < records.length; offset += size) {
      const batch = records.slice(offset, offset + size);
      requests.push(
        limit(() =>
          collection.upsert({
            ids: batch.map((record) => record.id),
            embeddings: batch.map((record) => record.vector),
            // A null entry means "no metadata": the client passes it through though its type omits it.
            metadatas: batch.map((record) => scalarMetadata(record.metadata)) as Metadata[],
          }),
        ),
      );
    }
    await Promise.all(requests);
  }

  async query(vector: number[], topK: number): Promise<string[]> {
    const result = await this.requireCollection().query({
      queryEmbeddings: [vector],
      nResults: topK,
      // The same fields the layer returns with every match (its contract), so both do the same work.
      include: ['distances', 'metadatas', 'documents'],
    });
    return result.ids[0] ?? [];
  }

  async close(): Promise<void> {
    if (this.collection) await this.client.deleteCollection({ name: this.collection.name });
    this.collection = null;
  }

  private requireCollection(): Collection {
    if (!this.collection) throw new Error('ChromaRawClient: call create() first');
    return this.collection;
  }
}

/** Scalars as they are, anything else as JSON; Chroma refuses empty metadata, so that is sent as none. */
function scalarMetadata(metadata: Record<string, unknown>): Metadata | null {
  const out: Metadata = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (value === null || value === undefined) continue;
    out[key] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : JSON.stringify(value);
  }
  return Object.keys(out).length > 0 ? out : null;
}
