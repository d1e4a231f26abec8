import { createRequire } from 'node:module';
import { BackendError } from '../../../../runtime/errors.js';
import type { Metric } from '../../types.js';

/**
 * Loads faiss-node (CommonJS, native) and narrows it to the calls this backend makes safely.
 *
 * Facts about faiss-node 0.5.1 built against Debian's libfaiss 1.7.3 (scripts/build-faiss.sh)
 * that the rest of the backend relies on, each checked against node_modules/faiss-node/src/faiss.cc:
 * - Every call is synchronous and blocks the event loop; add() and search() copy their JS array
 *   element by element (~175 ns per number here), so callers keep each call small.
 * - A FaissException thrown inside add/search/removeIds/write is not caught by the addon: the
 *   process aborts. So preconditions are checked here, in JS: 1 ≤ k ≤ ntotal for search, whole
 *   vectors for add, and removeIds never on HNSW (it is not implemented there).
 * - removeIds on a flat index compacts: later labels shift down, keeping their order.
 * - HNSW search explores max(efSearch, k) candidates (faiss HNSW::search), and efSearch (16)
 *   cannot be set through faiss-node, so asking for more results is how efSearch is raised.
 * - The addon is compiled with -fno-rtti, so IndexFlatL2/IndexFlatIP objects whose vtable comes
 *   from the addon (ones made by `new IndexFlatL2` or by `Index.read`) crash in faiss::write_index.
 *   Indexes made by `Index.fromFactory` serialize fine. Hence: flat shards are serialized by
 *   ./flat-index-file.ts, never by faiss; HNSW shards read from disk are never written again.
 * - The addon keeps its JS constructors in process-wide statics, so it is loaded in one thread
 *   only (this one); see faiss-search.ts for why searches are sliced rather than moved to a worker.
 */

export interface FaissSearchResult {
  distances: number[];
  labels: number[];
}

/** The methods of faiss-node's Index used here. */
export interface FaissIndex {
  ntotal(): number;
  getDimension(): number;
  add(flat: number[]): void;
  search(query: number[], k: number): FaissSearchResult;
  removeIds(labels: number[]): number;
  write(path: string): void;
}

interface FaissModule {
  Index: {
    fromFactory(dimension: number, descriptor: string, metric: number): FaissIndex;
    read(path: string): FaissIndex;
  };
  MetricType: { METRIC_INNER_PRODUCT: number; METRIC_L2: number };
}

export type IndexKind = 'flat' | 'hnsw';
export const INDEX_KINDS: readonly IndexKind[] = ['flat', 'hnsw'];

/** The factory descriptor of each kind. HNSW32: 32 links per node, faiss's efConstruction (40). */
const DESCRIPTORS: Record<IndexKind, string> = { flat: 'Flat', hnsw: 'HNSW32' };

let loaded: FaissModule | undefined;

function faiss(): FaissModule {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('faiss-node') as FaissModule;
  } catch (error) {
    throw new BackendError(
      'faiss',
      "faiss-node's native addon does not load; build it with 'npm run setup' (scripts/build-faiss.sh)",
      error,
    );
  }
  return loaded;
}

/** Cosine runs on normalized vectors with inner product; l2 gives squared distances. */
export function usesInnerProduct(metric: Metric): boolean {
  return metric !== 'l2';
}

export function createIndex(kind: IndexKind, metric: Metric, dimension: number): FaissIndex {
  const module = faiss();
  const metricType = usesInnerProduct(metric)
    ? module.MetricType.METRIC_INNER_PRODUCT
    : module.MetricType.METRIC_L2;
  return module.Index.fromFactory(dimension, DESCRIPTORS[kind], metricType);
}

/** Reads an index file. A damaged file is a thrown error (faiss.cc catches FaissException here). */
export function readIndex(path: string): FaissIndex {
  return faiss().Index.read(path);
}
