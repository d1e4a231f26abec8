import { evaluateFilter } from '../../filter/evaluate-filter.js';
import type { FilterNode } from '../../filter/filter-ast.js';
import { exactDistance, normalize, similarityFromDistance } from '../../score.js';
import type { Metric, QueryMatch, QueryRequest } from '../../types.js';
import type { IndexKind } from './faiss-binding.js';
import type { LabelMap } from './label-map.js';
import type { StoredRecord } from './shard.js';
import type { TimeSlicer } from './time-slicer.js';
import { type Candidate, TopK } from './top-k.js';

/**
 * Query planning and execution over one collection's shards.
 *
 * Why searches are sliced on the main thread rather than run in a worker_thread: faiss-node keeps
 * its JS constructors in process-wide statics, so loading it in a second thread (a worker, beside
 * the bench's or another store's use in the main thread) makes `read`/`fromFactory` build objects
 * from another thread's environment; a worker would also need every vector copied to it and a
 * second copy of the label map. Instead the blocking is bounded: a collection is split into
 * shards of at most `shardSize` labels, so one native search blocks for one shard's scan; the
 * shards, the filter evaluation and exact scans run in slices with a yield between them.
 *
 * Correctness of filtered search:
 * - The filter is evaluated in JS over every record (evaluateFilter: the reference semantics),
 *   which gives the exact matching set M.
 * - When M is small relative to the collection, the answer is an exact scan of M.
 * - Otherwise each shard is asked for its `fetch` best labels, and the hits outside M dropped.
 *   On flat shards this is provably the true top-k when k hits survive and the k-th is strictly
 *   better than `bound` = the worst distance returned by any shard that was not ranked entirely:
 *   a matching record not returned lies in such a shard, behind everything it returned, so at a
 *   distance ≥ bound. If the check fails, the exact scan of M answers instead. HNSW shards get
 *   the same check against their own (approximate) ranking: it cannot make HNSW exact, but it
 *   catches the case where one shard's best hits all fail the filter and would hide its matches.
 * So a query never returns fewer than k results when k records match.
 */

export interface SearchSettings {
  kind: IndexKind;
  metric: Metric;
}

/** Ask the index for this many times more results than the filter's selectivity predicts. */
const OVERFETCH = 2;
/** HNSW: extra room for tombstones beyond their expected share of the results. */
const TOMBSTONE_SLACK = 1.25;
const CHECK_EVERY = 128;

export async function searchCollection(
  map: LabelMap,
  request: QueryRequest,
  filter: FilterNode | null,
  settings: SearchSettings,
  slicer: TimeSlicer,
): Promise<QueryMatch[]> {
  const k = request.topK;
  const total = map.size;
  if (total === 0) return [];
  const prepared = Array.from(settings.metric === 'cosine' ? normalize(request.vector) : request.vector);
  const include = request.includeVectors === true;

  if (filter === null) {
    const { top } = await indexSearch(map, prepared, k, k, null, settings, slicer);
    // Flat: exact (every record of the global top-k is in its shard's top-k). HNSW may come back
    // short (many tombstones, a sparse graph): the exact scan keeps the "k when k exist" contract.
    if (top.length >= Math.min(k, total)) return toMatches(top, settings.metric, include);
    return toMatches(
      await exactScan(map.records(), request.vector, k, settings.metric, slicer),
      settings.metric,
      include,
    );
  }

  const matches = await matchingRecords(map.records(), filter, slicer);
  if (matches.length === 0) return [];
  const fetch = Math.ceil((OVERFETCH * k * total) / matches.length);
  const indexIsCheaper =
    matches.length > k && (settings.kind === 'flat' ? matches.length > total / 4 : fetch <= total / 8);
  if (indexIsCheaper) {
    const accepted = new Set(matches);
    const { top, bound } = await indexSearch(map, prepared, fetch, k, accepted, settings, slicer);
    const kth = top[k - 1];
    if (kth !== undefined && kth.distance < bound) return toMatches(top, settings.metric, include);
  }
  return toMatches(
    await exactScan(matches, request.vector, k, settings.metric, slicer),
    settings.metric,
    include,
  );
}

/** The records whose metadata passes `filter`, evaluated in slices. */
export async function matchingRecords(
  records: Iterable<StoredRecord>,
  filter: FilterNode | null,
  slicer: TimeSlicer,
): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let seen = 0;
  for (const record of records) {
    if (evaluateFilter(filter, record.metadata)) out.push(record);
    if (++seen % CHECK_EVERY === 0 && slicer.due()) await slicer.pause();
  }
  return out;
}

/** FAISS's raw score → the metric's distance (types.ts): √ of squared l2, 1 − cos, −ip. */
export function distanceFromRaw(metric: Metric, raw: number): number {
  switch (metric) {
    case 'l2':
      return Math.sqrt(Math.max(0, raw));
    case 'cosine':
      return 1 - raw;
    case 'ip':
      return -raw;
  }
}

async function indexSearch(
  map: LabelMap,
  query: number[],
  fetch: number,
  k: number,
  accepted: Set<StoredRecord> | null,
  settings: SearchSettings,
  slicer: TimeSlicer,
): Promise<{ top: Candidate<StoredRecord>[]; bound: number }> {
  const top = new TopK<StoredRecord>(k);
  let bound = Number.POSITIVE_INFINITY;
  for (const shard of map.shardList()) {
    const live = shard.size - shard.tombstones;
    if (live === 0) continue;
    // HNSW: room for tombstones beyond their expected share of the results.
    const wanted =
      settings.kind === 'hnsw' ? Math.ceil(((fetch * shard.size) / live) * TOMBSTONE_SLACK) : fetch;
    const result = shard.search(query, wanted);
    for (const { record, raw } of result.hits) {
      if (accepted && !accepted.has(record)) continue;
      top.offer({ distance: distanceFromRaw(settings.metric, raw), id: record.id, item: record });
    }
    if (!result.complete && !Number.isNaN(result.lastRaw)) {
      bound = Math.min(bound, distanceFromRaw(settings.metric, result.lastRaw));
    }
    await slicer.checkpoint();
  }
  return { top: top.sorted(), bound };
}

async function exactScan(
  records: Iterable<StoredRecord>,
  query: number[],
  k: number,
  metric: Metric,
  slicer: TimeSlicer,
): Promise<Candidate<StoredRecord>[]> {
  const top = new TopK<StoredRecord>(k);
  let seen = 0;
  for (const record of records) {
    top.offer({ distance: exactDistance(metric, query, record.vector), id: record.id, item: record });
    if (++seen % CHECK_EVERY === 0 && slicer.due()) await slicer.pause();
  }
  return top.sorted();
}

function toMatches(
  candidates: Candidate<StoredRecord>[],
  metric: Metric,
  includeVectors: boolean,
): QueryMatch[] {
  return candidates.map(({ distance, item }) => ({
    id: item.id,
    distance,
    similarity: similarityFromDistance(metric, distance),
    metadata: structuredClone(item.metadata),
    document: item.document,
    ...(includeVectors ? { vector: Array.from(item.vector) } : {}),
  }));
}
