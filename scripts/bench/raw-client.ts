import type { Metric } from '../../stores/vector/types.js';

/**
 * A backend driven through its own client library directly, without Switchyard's vector layer:
 * the baseline `npm run bench:vector` compares the layer against, in the same run. Each
 * implementation does the same work the layer does (same index type and settings, same
 * conversions the caller would need) and nothing more.
 */
export interface RawClient {
  readonly backend: string;
  /** Creates an empty collection/table/index for this run. */
  create(name: string, dimension: number, metric: Metric): Promise<void>;
  upsert(
    records: readonly { id: string; vector: number[]; metadata: Record<string, unknown> }[],
  ): Promise<void>;
  /** Ends a load (upsert calls before it): e.g. builds the index that was left out during it. */
  finishLoad?(): Promise<void>;
  /**
   * Ids of the top-k, best first. The request fetches what the layer's contract returns with each
   * match (score, metadata, document), as a caller of the bare client who needs them would.
   */
  query(vector: number[], topK: number): Promise<string[]>;
  /** Drops what create() made and releases connections. */
  close(): Promise<void>;
}
