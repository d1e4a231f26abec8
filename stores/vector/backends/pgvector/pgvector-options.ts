import { ValidationError, type Logger, silentLogger } from '#core';

/** pgvector's `hnsw.iterative_scan` (0.8.0+): what an HNSW scan does when a filter drops candidates. */
export type IterativeScanMode = 'off' | 'relaxed_order' | 'strict_order';
export const ITERATIVE_SCAN_MODES: readonly IterativeScanMode[] = ['off', 'relaxed_order', 'strict_order'];

export interface PgvectorStoreOptions {
  /**
   * `hnsw.ef_search` for each query (SET LOCAL in the query's transaction); a query uses
   * max(efSearch, topK), since an HNSW scan returns at most ef_search rows. 1–1000.
   * @defaultValue 100
   */
  efSearch?: number;
  /**
   * `hnsw.iterative_scan` for each query, on pgvector ≥ 0.8 (ignored on older versions). With
   * `off`, a selective filter can leave fewer than topK rows; `relaxed_order` keeps scanning the
   * index until topK rows pass (rows are re-sorted by distance); `strict_order` also keeps the
   * index's order, at some cost in recall.
   * @defaultValue 'relaxed_order'
   */
  iterativeScan?: IterativeScanMode;
  /** `hnsw.max_scan_tuples`: how far an iterative scan goes. @defaultValue the server's (20,000) */
  maxScanTuples?: number;
  /**
   * Exact search: every query runs with `enable_indexscan = off` (a sequential scan and a sort,
   * ties broken by id), so results equal the memory backend's. For checks and small collections.
   * @defaultValue false
   */
  exact?: boolean;
  /** Records per INSERT statement. @defaultValue 500 */
  batchSize?: number;
  /**
   * Writes every batch of one upsert call in one transaction, so a failure writes nothing.
   * When false, batches commit independently, `concurrency` at a time (faster on a pool; a
   * failure can leave earlier batches written).
   * @defaultValue true
   */
  atomicUpserts?: boolean;
  /** Batches in flight when `atomicUpserts` is false. @defaultValue 4 */
  concurrency?: number;
  /** HNSW `m` of new collections' indexes (2–100). @defaultValue 16 */
  hnswM?: number;
  /** HNSW `ef_construction` of new collections' indexes (4–1000, at least 2·m). @defaultValue 64 */
  hnswEfConstruction?: number;
  /**
   * An upsert of at least this many records into a collection holding no more rows than it
   * brings takes the bulk path (pgvector-bulk-load.ts): rows first, the HNSW index built once.
   * @defaultValue 5000
   */
  bulkLoadMin?: number;
  /**
   * `maintenance_work_mem` while a bulk load builds its index: an HNSW graph that fits is built
   * in memory, one that does not is finished on disk, several times slower. About 2 kB per
   * 384-dimension record at m 16. On PGlite the WASM memory that grows for it stays with the process.
   * @defaultValue '512MB'
   */
  bulkMaintenanceWorkMem?: string;
  /** When true, close() also closes the Sql; otherwise its opener does. @defaultValue false */
  ownsSql?: boolean;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

export type ResolvedPgvectorOptions = Required<Omit<PgvectorStoreOptions, 'maxScanTuples'>> &
  Pick<PgvectorStoreOptions, 'maxScanTuples'>;

const DEFAULTS: ResolvedPgvectorOptions = {
  efSearch: 100,
  iterativeScan: 'relaxed_order',
  exact: false,
  batchSize: 500,
  atomicUpserts: true,
  concurrency: 4,
  hnswM: 16,
  hnswEfConstruction: 64,
  bulkLoadMin: 5000,
  bulkMaintenanceWorkMem: '512MB',
  ownsSql: false,
  logger: silentLogger,
};

/** Applies the defaults and refuses values pgvector would reject later, naming the option. */
export function resolvePgvectorOptions(options: PgvectorStoreOptions = {}): ResolvedPgvectorOptions {
  const resolved: ResolvedPgvectorOptions = { ...DEFAULTS, ...definedOnly(options) };
  assertInteger('efSearch', resolved.efSearch, 1, 1000);
  if (resolved.maxScanTuples !== undefined)
    assertInteger('maxScanTuples', resolved.maxScanTuples, 1, 2 ** 31 - 1);
  assertInteger('batchSize', resolved.batchSize, 1, 100_000);
  assertInteger('concurrency', resolved.concurrency, 1, 1000);
  assertInteger('hnswM', resolved.hnswM, 2, 100);
  assertInteger('bulkLoadMin', resolved.bulkLoadMin, 1, 2 ** 31 - 1);
  if (!/^[1-9][0-9]{0,6}(kB|MB|GB)$/.test(resolved.bulkMaintenanceWorkMem)) {
    throw new ValidationError(
      `pgvector option bulkMaintenanceWorkMem must be a size such as 512MB or 1GB, got ${JSON.stringify(resolved.bulkMaintenanceWorkMem)}`,
      { field: 'bulkMaintenanceWorkMem' },
    );
  }
  assertInteger('hnswEfConstruction', resolved.hnswEfConstruction, 2 * resolved.hnswM, 1000);
  if (!ITERATIVE_SCAN_MODES.includes(resolved.iterativeScan)) {
    throw new ValidationError(
      `pgvector option iterativeScan must be one of ${ITERATIVE_SCAN_MODES.join(', ')}, got ${JSON.stringify(resolved.iterativeScan)}`,
      { field: 'iterativeScan' },
    );
  }
  return resolved;
}

function assertInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(
      `pgvector option ${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
      { field },
    );
  }
}

/** `{ efSearch: undefined }` means the default, not "unset the default". */
function definedOnly(options: PgvectorStoreOptions): PgvectorStoreOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
