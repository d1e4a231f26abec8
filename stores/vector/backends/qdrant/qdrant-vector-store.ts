import { BackendError, ConflictError, NotFoundError } from '#core';
import { inBatches } from '../../batches.js';
import type { FilterInput } from '../../filter/filter-ast.js';
import { parseFilter } from '../../filter/parse-filter.js';
import type {
  CollectionInfo,
  CollectionSpec,
  DeleteSelector,
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
import { compileQdrantFilter, type QdrantFilter } from './compile-qdrant-filter.js';
import { pointIdFor } from './point-id.js';
import { type CollectionState, QdrantCollections, type Unusable } from './qdrant-collections.js';
import { httpStatusOf } from './qdrant-errors.js';
import { scoreToMatch, toQdrantDistance } from './qdrant-metric.js';
import type { QdrantVectorStoreOptions } from './qdrant-options.js';
import { decodePayload, encodePayload } from './qdrant-payload.js';
import { QdrantRequests } from './qdrant-requests.js';

/**
 * The VectorStore on a Qdrant server, over its REST API (`@qdrant/js-client-rest`).
 *
 * - Collections are Qdrant collections named `<collectionPrefix><name>`, one unnamed vector each;
 *   the Switchyard definition is read back from Qdrant's `{size, distance}` (cosine → Cosine,
 *   l2 → Euclid, ip → Dot), and cached per store (qdrant-collections.ts).
 * - Ids: each string id is the UUIDv5 point id of point-id.ts; the original is in the payload.
 * - Payload layout, arrays and the filter mapping: qdrant-payload.ts and compile-qdrant-filter.ts.
 *   Every portable operator is expressed exactly; `unsupported` is empty.
 * - Cosine: Qdrant normalizes vectors on insert and keeps only the unit vector, so `includeVectors`
 *   returns the stored unit-length vector for cosine collections (same direction, same scores);
 *   l2 and ip return the vector as written (float32).
 * - Scores: Qdrant's score is cos θ (Cosine), the inner product (Dot) or the euclidean distance
 *   (Euclid); qdrant-metric.ts turns it into `similarity` and `distance`.
 * - Search uses HNSW with `hnswEf` when set; Qdrant searches small segments (below its
 *   `full_scan_threshold`) exactly, so small collections give the exact top-k.
 */
export class QdrantVectorStore implements VectorStore {
  readonly backend = 'qdrant' as const;
  private readonly collections: QdrantCollections;

  private constructor(private readonly requests: QdrantRequests) {
    this.collections = new QdrantCollections(requests);
  }

  /**
   * Checks the options, connects and asks the server for its version, so a wrong URL fails here
   * with a BackendError naming it (and a wrong option with a ConfigError naming the option).
   */
  static async open(options: QdrantVectorStoreOptions): Promise<QdrantVectorStore> {
    return new QdrantVectorStore(await QdrantRequests.connect(options));
  }

  async createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    assertCollectionSpec(spec);
    const existing = await this.collections.fetch(spec.name);
    if (existing) return this.sameOrConflict(existing, spec);
    try {
      await this.requests.client.createCollection(this.requests.qdrantName(spec.name), {
        vectors: { size: spec.dimension, distance: toQdrantDistance(spec.metric) },
      });
    } catch (error) {
      // The server refused: another process may have created it between our read and our create.
      const raced = httpStatusOf(error) === undefined ? null : await this.collections.fetch(spec.name);
      if (raced) return this.sameOrConflict(raced, spec);
      throw this.requests.failure(`create collection '${spec.name}'`, error);
    }
    const created = { name: spec.name, dimension: spec.dimension, metric: spec.metric };
    this.collections.remember(created);
    return { ...created, count: 0 };
  }

  async dropCollection(name: string): Promise<boolean> {
    assertCollectionName(name);
    this.collections.forget(name);
    try {
      return await this.requests.run(`drop collection '${name}'`, () =>
        this.requests.client.deleteCollection(this.requests.qdrantName(name)),
      );
    } catch (error) {
      if (error instanceof BackendError && httpStatusOf(error.cause) === 404) return false;
      throw error;
    }
  }

  async listCollections(): Promise<string[]> {
    const { collections } = await this.requests.run('list collections', () =>
      this.requests.client.getCollections(),
    );
    const prefix = this.requests.options.collectionPrefix;
    return collections
      .map((c) => c.name)
      .filter((name) => name.startsWith(prefix) && isCollectionName(name.slice(prefix.length)))
      .map((name) => name.slice(prefix.length))
      .sort();
  }

  async describeCollection(name: string): Promise<CollectionInfo> {
    assertCollectionName(name);
    const state = await this.collections.fetch(name);
    if (!state) throw new NotFoundError('collection', name);
    if ('problem' in state) throw this.collections.unusable(name, state);
    return { ...state.spec, count: await this.countPoints(name, undefined) };
  }

  /**
   * Validates the whole batch, then writes it in requests of `batchSize` points, `concurrency` at a
   * time, each with `wait` (default true). What Qdrant promises for a multi-request upsert: each
   * request is one update operation, but there is no transaction across requests. If one fails,
   * requests that already succeeded stay written, requests in flight may or may not land, and no
   * further request starts; the error names the failure. Upserts are idempotent (same id → same
   * point), so retrying the whole call is safe.
   */
  async upsert(name: string, records: VectorRecord[]): Promise<{ upserted: number }> {
    const { spec } = await this.collections.get(name);
    const valid = validateRecords(name, records, spec.dimension);
    const points = valid.map((record) => ({
      id: pointIdFor(record.id),
      vector: Array.from(record.vector),
      payload: encodePayload(record),
    }));
    const { batchSize, concurrency, wait } = this.requests.options;
    const qname = this.requests.qdrantName(name);
    let failed = false;
    await inBatches(points, batchSize, concurrency, async (batch, offset) => {
      if (failed) return;
      try {
        await this.requests.run(
          `upsert records ${offset}–${offset + batch.length - 1} into collection '${name}'`,
          () => this.requests.client.upsert(qname, { wait, points: batch }),
          name,
        );
      } catch (error) {
        failed = true;
        throw error;
      }
    });
    return { upserted: valid.length };
  }

  /**
   * Deletes and returns how many of the given records existed (or matched), counted just before
   * the delete: a concurrent writer between the count and the delete can make the number stale.
   */
  async delete(name: string, selector: DeleteSelector): Promise<{ deleted: number }> {
    const state = await this.collections.get(name);
    const qname = this.requests.qdrantName(name);
    const { batchSize, concurrency, wait } = this.requests.options;
    if ('ids' in selector) {
      const pointIds = [...new Set(validateIds(name, selector.ids))].map(pointIdFor);
      let deleted = 0;
      await inBatches(pointIds, batchSize, concurrency, async (batch) => {
        // Read first, add after: `deleted += await ...` would add to a stale total under concurrency.
        const existing = await this.countPoints(name, { must: [{ has_id: batch }] });
        deleted += existing;
        await this.requests.run(
          `delete records from collection '${name}'`,
          () => this.requests.client.delete(qname, { wait, points: batch }),
          name,
        );
      });
      return { deleted };
    }
    const node = parseFilter(selector.filter);
    // No filter deletes everything, as on the memory backend; an empty Qdrant filter matches all.
    const filter = compileQdrantFilter(node) ?? {};
    await this.collections.ensureIndexes(name, state, node);
    const deleted = await this.countPoints(name, filter);
    await this.requests.run(
      `delete records by filter from collection '${name}'`,
      () => this.requests.client.delete(qname, { wait, filter }),
      name,
    );
    return { deleted };
  }

  async count(name: string, filter?: FilterInput): Promise<number> {
    const state = await this.collections.get(name);
    const node = parseFilter(filter);
    const compiled = compileQdrantFilter(node);
    await this.collections.ensureIndexes(name, state, node);
    return this.countPoints(name, compiled);
  }

  async query(name: string, request: QueryRequest): Promise<QueryMatch[]> {
    const state = await this.collections.get(name);
    validateQuery(name, request, state.spec.dimension);
    const node = parseFilter(request.filter);
    const filter = compileQdrantFilter(node);
    await this.collections.ensureIndexes(name, state, node);
    const includeVectors = request.includeVectors === true;
    const { hnswEf } = this.requests.options;
    const { points } = await this.requests.run(
      `query collection '${name}'`,
      () =>
        this.requests.client.query(this.requests.qdrantName(name), {
          query: Array.from(request.vector),
          limit: request.topK,
          filter,
          with_payload: true,
          with_vector: includeVectors,
          ...(hnswEf ? { params: { hnsw_ef: hnswEf } } : {}),
        }),
      name,
    );
    return points.map((point) => {
      const { id, metadata, document } = decodePayload(point.payload, String(point.id));
      const match: QueryMatch = { id, ...scoreToMatch(state.spec.metric, point.score), metadata, document };
      if (includeVectors && isDenseVector(point.vector)) match.vector = point.vector;
      return match;
    });
  }

  /** Forgets cached definitions; later calls fail with a BackendError saying the store is closed. */
  async close(): Promise<void> {
    this.requests.close();
    this.collections.clear();
  }

  private async sameOrConflict(
    existing: CollectionState | Unusable,
    spec: CollectionSpec,
  ): Promise<CollectionInfo> {
    if ('problem' in existing) {
      throw new ConflictError(
        `collection '${spec.name}' exists in Qdrant as '${this.requests.qdrantName(spec.name)}' but ${existing.problem}`,
        { collection: spec.name },
      );
    }
    assertSameSpec(existing.spec, spec);
    return { ...existing.spec, count: await this.countPoints(spec.name, undefined) };
  }

  private async countPoints(name: string, filter: QdrantFilter | undefined): Promise<number> {
    const result = await this.requests.run(
      `count records of collection '${name}'`,
      () => this.requests.client.count(this.requests.qdrantName(name), { filter, exact: true }),
      name,
    );
    return result.count;
  }
}

function isDenseVector(vector: unknown): vector is number[] {
  return Array.isArray(vector) && vector.every((x) => typeof x === 'number');
}

function isCollectionName(name: string): boolean {
  try {
    assertCollectionName(name);
    return true;
  } catch {
    // Not a name this store could have made (another tool's collection under the same prefix): skip it.
    return false;
  }
}
