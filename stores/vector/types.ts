import type { FilterInput } from './filter/filter-ast.js';

/**
 * The vector layer's contract. Every backend implements {@link VectorStore}; the conformance
 * suite (tests/integration/stores/vector/conformance.ts) runs the same cases against each.
 */

export type Metric = 'cosine' | 'l2' | 'ip';
export const METRICS: readonly Metric[] = ['cosine', 'l2', 'ip'];

export type BackendName = 'memory' | 'pgvector' | 'qdrant' | 'chroma' | 'faiss';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Metadata = { [key: string]: JsonValue };

export interface CollectionSpec {
  /** 3–63 characters of `[a-zA-Z0-9_-]`, starting with a letter or digit; backends map it to their own rules. */
  name: string;
  dimension: number;
  metric: Metric;
}

export interface CollectionInfo extends CollectionSpec {
  count: number;
}

export interface VectorRecord {
  /** Any non-empty string up to 512 characters; the backend maps it to its own id type. */
  id: string;
  vector: number[];
  metadata?: Metadata;
  document?: string;
}

export interface QueryRequest {
  vector: number[];
  /** 1–1000. */
  topK: number;
  filter?: FilterInput;
  includeVectors?: boolean;
}

/**
 * One result. The score contract, the same on every backend for the same metric and data:
 * - `similarity` is higher-is-better: cosine → cos θ (in [-1, 1]); ip → the inner product;
 *   l2 → 1 / (1 + euclidean distance) (in (0, 1]).
 * - `distance` is the metric's own distance, lower-is-better: cosine → 1 − cos θ;
 *   ip → −(inner product) (pgvector's `<#>` convention); l2 → euclidean distance (not squared).
 * See ./score.ts for the conversions.
 */
export interface QueryMatch {
  id: string;
  similarity: number;
  distance: number;
  metadata: Metadata;
  document: string | null;
  /**
   * Present when the query asked for `includeVectors`. For cosine collections Chroma and Qdrant
   * store (and so return) the unit-length vector; the other backends return the vector as given.
   */
  vector?: number[];
}

export type DeleteSelector = { ids: string[] } | { filter: FilterInput };

export interface VectorStore {
  readonly backend: BackendName;
  /**
   * Creates a collection. Creating one that exists with the same dimension and metric is a no-op
   * returning it; with a different definition it is a ConflictError.
   */
  createCollection(spec: CollectionSpec): Promise<CollectionInfo>;
  /** Drops a collection and its data; returns false when it did not exist. */
  dropCollection(name: string): Promise<boolean>;
  /** Names of all collections of this store, sorted. */
  listCollections(): Promise<string[]>;
  /** Throws NotFoundError for an unknown collection. */
  describeCollection(name: string): Promise<CollectionInfo>;
  /**
   * Inserts or replaces records (a re-upserted id replaces vector, metadata and document).
   * The whole batch is validated before anything is written.
   */
  upsert(collection: string, records: VectorRecord[]): Promise<{ upserted: number }>;
  delete(collection: string, selector: DeleteSelector): Promise<{ deleted: number }>;
  count(collection: string, filter?: FilterInput): Promise<number>;
  /** Best first. Fewer than topK only when fewer records match the filter. */
  query(collection: string, request: QueryRequest): Promise<QueryMatch[]>;
  /** Releases connections, files and child resources. */
  close(): Promise<void>;
}
