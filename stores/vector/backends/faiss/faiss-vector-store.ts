import { BackendError, NotFoundError, ValidationError } from '#core';
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
import { FaissCollection } from './faiss-collection.js';
import {
  type FaissSettings,
  type FaissVectorStoreOptions,
  labelMapConfig,
  resolveSettings,
} from './faiss-options.js';
import { LabelMap } from './label-map.js';
import { FaissPersistence } from './persistence.js';
import { SerialQueue } from './serial-queue.js';
import { TimeSlicer } from './time-slicer.js';
import type { WalRecord } from './write-ahead-log.js';

export type { FaissVectorStoreOptions } from './faiss-options.js';

/**
 * The VectorStore over FAISS (faiss-node), in process. FAISS holds only vectors under integer
 * labels; this keeps ids, metadata and documents beside it (./label-map.ts, ./shard.ts), filters
 * in JS with the reference evaluator (every operator is supported), answers filtered queries
 * exactly (./faiss-search.ts), and persists each collection as snapshot + write-ahead log under
 * one atomically replaced manifest (./persistence.ts).
 */
export class FaissVectorStore implements VectorStore {
  readonly backend = 'faiss' as const;
  private readonly collections = new Map<string, FaissCollection>();
  /** Serializes creates and drops. */
  private readonly catalog = new SerialQueue();
  private closed = false;

  private constructor(
    private readonly settings: FaissSettings,
    private readonly persistence: FaissPersistence | null,
  ) {}

  /** Opens a store; with a directory, restores every collection in it (snapshot, then log). */
  static async open(options: FaissVectorStoreOptions = {}): Promise<FaissVectorStore> {
    const settings = resolveSettings(options);
    if (!settings.directory) return new FaissVectorStore(settings, null);
    const persistence = await FaissPersistence.open(settings.directory, settings.fsync, settings.logger);
    const store = new FaissVectorStore(settings, persistence);
    try {
      for (const [name, entry] of persistence.entries()) {
        const spec: CollectionSpec = { name, dimension: entry.dimension, metric: entry.metric };
        const slicer = new TimeSlicer(settings.sliceMs);
        const { map, wal, replay } = await persistence.load(
          name,
          entry,
          labelMapConfig(settings, spec, entry.index),
          slicer,
        );
        const collection = new FaissCollection(spec, entry.index, map, wal);
        await collection.replay(replay, slicer);
        store.collections.set(name, collection);
      }
    } catch (error) {
      for (const collection of store.collections.values()) await collection.wal?.close();
      await persistence.close();
      throw error;
    }
    settings.logger.info(
      { directory: settings.directory, collections: store.collections.size },
      'faiss vector store opened',
    );
    return store;
  }

  async createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    assertCollectionSpec(spec);
    return this.catalog.run(async () => {
      this.assertOpen();
      const existing = this.collections.get(spec.name);
      if (existing) {
        assertSameSpec(existing.spec, spec);
        return existing.queue.run(async () => existing.info());
      }
      const own: CollectionSpec = { name: spec.name, dimension: spec.dimension, metric: spec.metric };
      const kind = this.settings.index;
      const wal = this.persistence ? await this.persistence.create(own, kind) : null;
      const collection = new FaissCollection(
        own,
        kind,
        new LabelMap(labelMapConfig(this.settings, own, kind)),
        wal,
      );
      this.collections.set(own.name, collection);
      return collection.info();
    });
  }

  async dropCollection(name: string): Promise<boolean> {
    assertCollectionName(name);
    return this.catalog.run(async () => {
      this.assertOpen();
      const collection = this.collections.get(name);
      if (!collection) return false;
      this.collections.delete(name);
      await collection.queue.run(async () => {
        collection.dropped = true;
        await collection.wal?.close();
        await this.persistence?.drop(name);
      });
      return true;
    });
  }

  async listCollections(): Promise<string[]> {
    this.assertOpen();
    return [...this.collections.keys()].sort();
  }

  async describeCollection(name: string): Promise<CollectionInfo> {
    return this.run(this.get(name), async (collection) => collection.info());
  }

  async upsert(name: string, records: VectorRecord[]): Promise<{ upserted: number }> {
    const collection = this.get(name);
    // The whole batch is validated, and copied (the caller may reuse its arrays), before any write.
    const copies: WalRecord[] = validateRecords(name, records, collection.spec.dimension).map((record) => ({
      id: record.id,
      vector: Float32Array.from(record.vector),
      metadata: structuredClone(record.metadata ?? {}),
      document: record.document ?? null,
    }));
    await this.run(collection, (c, slicer) =>
      inBatches(copies, this.settings.batchSize, 1, (batch) => c.upsert(batch, slicer)),
    );
    this.compactIfDue(collection);
    return { upserted: copies.length };
  }

  async delete(name: string, selector: DeleteSelector): Promise<{ deleted: number }> {
    const collection = this.get(name);
    let deleted: number;
    if (typeof selector === 'object' && selector !== null && 'ids' in selector) {
      const ids = validateIds(name, selector.ids);
      deleted = await this.run(collection, (c, slicer) => c.deleteIds(ids, slicer));
    } else if (typeof selector === 'object' && selector !== null && selector.filter !== undefined) {
      const filter = parseFilter(selector.filter);
      deleted = await this.run(collection, (c, slicer) => c.deleteWhere(filter, slicer));
    } else {
      throw new ValidationError('delete takes {ids: string[]} or {filter}', { collection: name });
    }
    this.compactIfDue(collection);
    return { deleted };
  }

  async count(name: string, filter?: FilterInput): Promise<number> {
    const collection = this.get(name);
    const node = parseFilter(filter);
    return this.run(collection, (c, slicer) => c.count(node, slicer));
  }

  async query(name: string, request: QueryRequest): Promise<QueryMatch[]> {
    const collection = this.get(name);
    validateQuery(name, request, collection.spec.dimension);
    const filter = parseFilter(request.filter);
    return this.run(collection, (c, slicer) => c.query(request, filter, slicer));
  }

  /** Waits for queued work, snapshots collections whose log is not empty, and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.catalog.idle();
    const failures: unknown[] = [];
    for (const collection of this.collections.values()) {
      await collection.queue
        .run(async () => {
          try {
            await this.snapshot(collection);
          } finally {
            await collection.wal?.close();
          }
        })
        .catch((error: unknown) => failures.push(error));
    }
    this.collections.clear();
    await this.persistence?.close();
    // A failed snapshot loses nothing: the log it would have folded in is still on disk.
    if (failures.length > 0) throw failures[0];
  }

  private get(name: string): FaissCollection {
    assertCollectionName(name);
    this.assertOpen();
    const collection = this.collections.get(name);
    if (!collection) throw new NotFoundError('collection', name);
    return collection;
  }

  private assertOpen(): void {
    if (this.closed) throw new BackendError('faiss', 'the store is closed');
  }

  /** Runs a task in the collection's queue, with a fresh time budget. */
  private run<T>(
    collection: FaissCollection,
    task: (c: FaissCollection, slicer: TimeSlicer) => Promise<T>,
  ): Promise<T> {
    return collection.queue.run(() => {
      if (collection.dropped) throw new NotFoundError('collection', collection.spec.name);
      return task(collection, new TimeSlicer(this.settings.sliceMs));
    });
  }

  /** Queues a snapshot when the log has outgrown its threshold; failures are logged, the log stays. */
  private compactIfDue(collection: FaissCollection): void {
    const { persistence } = this;
    const wal = collection.wal;
    if (!persistence || !wal) return;
    const threshold = Math.max(
      this.settings.walCompactionBytes,
      persistence.snapshotBytes(collection.spec.name),
    );
    if (wal.size < threshold) return;
    collection.queue
      .run(() => (collection.dropped ? Promise.resolve() : this.snapshot(collection)))
      .catch((error: unknown) => {
        this.settings.logger.error(
          { err: error, collection: collection.spec.name },
          'snapshot failed; the log is kept',
        );
      });
  }

  private async snapshot(collection: FaissCollection): Promise<void> {
    if (!this.persistence || !collection.wal || collection.wal.size === 0) return;
    const slicer = new TimeSlicer(this.settings.sliceMs);
    collection.wal = await this.persistence.snapshot(
      collection.spec.name,
      collection.map,
      collection.wal,
      slicer,
    );
  }
}
