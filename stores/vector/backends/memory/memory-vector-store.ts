import { NotFoundError } from '#core';
import { evaluateFilter } from '../../filter/evaluate-filter.js';
import type { FilterNode } from '../../filter/filter-ast.js';
import { parseFilter } from '../../filter/parse-filter.js';
import { exactDistance, similarityFromDistance } from '../../score.js';
import type {
  CollectionInfo,
  CollectionSpec,
  DeleteSelector,
  Metadata,
  QueryMatch,
  QueryRequest,
  VectorRecord,
  VectorStore,
} from '../../types.js';
import {
  assertCollectionName,
  assertCollectionSpec,
  assertSameSpec,
  validateIds,
  validateQuery,
  validateRecords,
} from '../../validate.js';

interface StoredRecord {
  vector: Float64Array;
  metadata: Metadata;
  document: string | null;
}

interface MemoryCollection {
  spec: CollectionSpec;
  records: Map<string, StoredRecord>;
}

/**
 * Exact brute-force search in process memory: the reference the other backends are checked
 * against, and the store for tests of upper layers. Nothing is persisted.
 */
export class MemoryVectorStore implements VectorStore {
  readonly backend = 'memory' as const;
  private readonly collections = new Map<string, MemoryCollection>();

  async createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    assertCollectionSpec(spec);
    const existing = this.collections.get(spec.name);
    if (existing) {
      assertSameSpec(existing.spec, spec);
      return this.info(existing);
    }
    const collection = {
      spec: { name: spec.name, dimension: spec.dimension, metric: spec.metric },
      records: new Map(),
    };
    this.collections.set(spec.name, collection);
    return this.info(collection);
  }

  async dropCollection(name: string): Promise<boolean> {
    assertCollectionName(name);
    return this.collections.delete(name);
  }

  async listCollections(): Promise<string[]> {
    return [...this.collections.keys()].sort();
  }

  async describeCollection(name: string): Promise<CollectionInfo> {
    return this.info(this.get(name));
  }

  async upsert(name: string, records: VectorRecord[]): Promise<{ upserted: number }> {
    const collection = this.get(name);
    // Validation covers the whole batch first: nothing is written when any record is bad.
    for (const record of validateRecords(name, records, collection.spec.dimension)) {
      collection.records.set(record.id, {
        vector: Float64Array.from(record.vector),
        metadata: structuredClone(record.metadata ?? {}),
        document: record.document ?? null,
      });
    }
    return { upserted: records.length };
  }

  async delete(name: string, selector: DeleteSelector): Promise<{ deleted: number }> {
    const collection = this.get(name);
    let deleted = 0;
    if ('ids' in selector) {
      for (const id of validateIds(name, selector.ids)) if (collection.records.delete(id)) deleted++;
      return { deleted };
    }
    const filter = parseFilter(selector.filter);
    for (const [id, record] of collection.records) {
      if (evaluateFilter(filter, record.metadata) && collection.records.delete(id)) deleted++;
    }
    return { deleted };
  }

  async count(name: string, filter?: Record<string, unknown>): Promise<number> {
    const collection = this.get(name);
    const node = parseFilter(filter);
    if (node === null) return collection.records.size;
    let n = 0;
    for (const record of collection.records.values()) if (evaluateFilter(node, record.metadata)) n++;
    return n;
  }

  async query(name: string, request: QueryRequest): Promise<QueryMatch[]> {
    const collection = this.get(name);
    validateQuery(name, request, collection.spec.dimension);
    return exactSearch(collection.spec, collection.records, request, parseFilter(request.filter));
  }

  async close(): Promise<void> {
    this.collections.clear();
  }

  private get(name: string): MemoryCollection {
    assertCollectionName(name);
    const collection = this.collections.get(name);
    if (!collection) throw new NotFoundError('collection', name);
    return collection;
  }

  private info(collection: MemoryCollection): CollectionInfo {
    return { ...collection.spec, count: collection.records.size };
  }
}

/** Exact top-k over records, ties broken by id so results are deterministic. */
export function exactSearch(
  spec: CollectionSpec,
  records: Iterable<[string, StoredRecord]>,
  request: QueryRequest,
  filter: FilterNode | null,
): QueryMatch[] {
  const scored: { id: string; distance: number; record: StoredRecord }[] = [];
  for (const [id, record] of records) {
    if (!evaluateFilter(filter, record.metadata)) continue;
    scored.push({ id, distance: exactDistance(spec.metric, request.vector, record.vector), record });
  }
  scored.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return scored.slice(0, request.topK).map(({ id, distance, record }) => ({
    id,
    distance,
    similarity: similarityFromDistance(spec.metric, distance),
    metadata: structuredClone(record.metadata),
    document: record.document,
    ...(request.includeVectors ? { vector: Array.from(record.vector) } : {}),
  }));
}
