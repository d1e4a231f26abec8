import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BackendError } from '#core';
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
 * - faiss-node cannot set HNSW's efSearch or efConstruction, and faiss 1.7.3 searches with its
 *   default efSearch (16) whatever k is asked (measured: recall@10 0.79 on 20k × 384 clustered
 *   vectors). Both are fields of the serialized index, so {@link setHnswParams} writes them into
 *   an empty index's bytes, which faiss reads back with fromBuffer (see createIndex, readIndex).
 * - The addon must be compiled with RTTI (scripts/build-faiss.sh; a test pins it): without it
 *   faiss::write_index crashed on indexes made by `new IndexFlatL2` or read from disk. Flat shards
 *   are still serialized by ./flat-index-file.ts (byte for byte faiss's format, tested).
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
    fromFactory(dimension: number, descriptor: string, metric: number): FaissIndex & { toBuffer(): Buffer };
    read(path: string): FaissIndex;
    fromBuffer(buffer: Buffer): FaissIndex;
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

/** HNSW's search and construction breadth. */
export interface HnswParams {
  efSearch: number;
  efConstruction: number;
}

export function createIndex(
  kind: IndexKind,
  metric: Metric,
  dimension: number,
  hnsw: HnswParams,
): FaissIndex {
  const module = faiss();
  const metricType = usesInnerProduct(metric)
    ? module.MetricType.METRIC_INNER_PRODUCT
    : module.MetricType.METRIC_L2;
  const index = module.Index.fromFactory(dimension, DESCRIPTORS[kind], metricType);
  if (kind === 'flat') return index;
  return module.Index.fromBuffer(setHnswParams(index.toBuffer(), hnsw));
}

/**
 * Reads an index file; an HNSW index gets the current efSearch (its graph, built with the
 * efConstruction of its time, is kept). A damaged file is a thrown error (faiss.cc catches
 * FaissException here).
 */
export function readIndex(path: string, kind: IndexKind, hnsw: HnswParams): FaissIndex {
  if (kind === 'flat') return faiss().Index.read(path);
  const buffer = readFileSync(path);
  const at = hnswParamsOffset(buffer);
  buffer.writeInt32LE(hnsw.efSearch, at + 4);
  return faiss().Index.fromBuffer(buffer);
}

/**
 * Writes efConstruction and efSearch into a serialized IndexHNSWFlat (faiss 1.7.x write_index:
 * fourcc, index header, then write_HNSW's vectors, entry_point, max_level, efConstruction,
 * efSearch, upper_beam). Returns the same buffer.
 */
export function setHnswParams(buffer: Buffer, params: HnswParams): Buffer {
  const at = hnswParamsOffset(buffer);
  buffer.writeInt32LE(params.efConstruction, at);
  buffer.writeInt32LE(params.efSearch, at + 4);
  return buffer;
}

function hnswParamsOffset(buffer: Buffer): number {
  const fourcc = buffer.toString('latin1', 0, 4);
  if (fourcc !== 'IHNf') throw new BackendError('faiss', `expected an HNSW flat index, found '${fourcc}'`);
  // d (int32), ntotal (int64), two dummies (int64), is_trained (bool), metric_type (int32).
  let at = 4 + 4 + 8 + 8 + 8 + 1;
  const metricType = buffer.readInt32LE(at);
  at += 4;
  if (metricType > 1) at += 4; // metric_arg (float)
  // assign_probas (double), cum_nneighbor_per_level (int32), levels (int32), offsets (size_t),
  // neighbors (int32): each a uint64 length followed by its elements.
  for (const size of [8, 4, 4, 8, 4]) at += 8 + Number(buffer.readBigUInt64LE(at)) * size;
  at += 4 + 4; // entry_point, max_level
  if (at + 12 > buffer.length)
    throw new BackendError('faiss', 'an HNSW index file ends before its parameters');
  return at;
}
