import {
  type ChromaClient,
  ChromaNotFoundError,
  ChromaUniqueError,
  type Collection,
  type Where,
} from 'chromadb';
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
import {
  fromChromaName,
  hnswConfiguration,
  specFromMetadata,
  specMetadata,
  toChromaName,
} from './chroma-collections.js';
import { connectChroma } from './chroma-connect.js';
import { callChroma, chromaError } from './chroma-errors.js';
import { encodeMetadata } from './chroma-metadata.js';
import {
  type ChromaVectorStoreOptions,
  type ResolvedChromaOptions,
  resolveChromaOptions,
} from './chroma-options.js';
import { toQueryMatches } from './chroma-results.js';
import { type UpsertRow, upsertBatch } from './chroma-upsert-request.js';
import { compileChromaFilter } from './compile-chroma-filter.js';

export type { ChromaVectorStoreOptions } from './chroma-options.js';

interface OpenCollection {
  collection: Collection;
  spec: CollectionSpec;
}

/**
 * The VectorStore on a Chroma server (tested against Chroma 1.0.5 with the chromadb 3.5 client).
 * Embeddings are always passed explicitly: collections are created without an embedding
 * function, so the client never loads one. Metadata is stored as described in
 * ./chroma-metadata.ts and filters compile as described in ./compile-chroma-filter.ts; every
 * operator of the filter language is supported. Search is Chroma's HNSW (./chroma-collections.ts
 * for the settings): exact on small collections, approximate on large ones. For cosine, Chroma
 * normalizes vectors on write, so `includeVectors` returns them at unit length.
 */
export class ChromaVectorStore implements VectorStore {
  readonly backend = 'chroma' as const;
  private closed = false;
  /**
   * Collection handles for queries, so a query is one request, not two (getCollection + query).
   * A handle gone stale (the collection was dropped, or dropped and re-created elsewhere) makes
   * Chroma answer not-found; the query then re-opens the collection by name once.
   */
  private readonly handles = new Map<string, OpenCollection>();

  private constructor(
    private readonly client: ChromaClient,
    private readonly options: ResolvedChromaOptions,
  ) {}

  /** Connects, checks that the database exists and that `batchSize` fits the server's limit. */
  static async open(options: ChromaVectorStoreOptions): Promise<ChromaVectorStore> {
    const resolved = resolveChromaOptions(options);
    return new ChromaVectorStore(await connectChroma(resolved), resolved);
  }

  async createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    this.assertOpen();
    assertCollectionSpec(spec);
    try {
      await this.client.createCollection({
        name: toChromaName(spec.name),
        embeddingFunction: null,
        metadata: specMetadata(spec),
        configuration: hnswConfiguration(spec.metric, this.options.hnsw),
      });
      return { name: spec.name, dimension: spec.dimension, metric: spec.metric, count: 0 };
    } catch (error) {
      if (!(error instanceof ChromaUniqueError))
        throw chromaError(error, `creating collection '${spec.name}'`);
    }
    // It exists (perhaps created a moment ago by another process): same definition or conflict.
    const existing = await this.openCollection(spec.name);
    assertSameSpec(existing.spec, spec);
    return this.info(existing);
  }

  async dropCollection(name: string): Promise<boolean> {
    this.handles.delete(name);
    try {
      // Also refuses to drop a collection of the same name that another application made.
      await this.openCollection(name);
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
    try {
      await this.client.deleteCollection({ name: toChromaName(name) });
      return true;
    } catch (error) {
      // Dropped by someone else in between: it does not exist any more either way.
      if (error instanceof ChromaNotFoundError) return false;
      throw chromaError(error, `dropping collection '${name}'`);
    }
  }

  async listCollections(): Promise<string[]> {
    this.assertOpen();
    const names: string[] = [];
    for (const collection of await this.listChroma()) {
      const name = fromChromaName(collection.name);
      if (name !== null && specFromMetadata(name, collection.metadata)) names.push(name);
    }
    return names.sort();
  }

  async describeCollection(name: string): Promise<CollectionInfo> {
    return this.info(await this.openCollection(name));
  }

  /**
   * Validation covers the whole batch before the first request, so a bad record writes nothing.
   * The records then go in requests of `batchSize`, `concurrency` at a time. Chroma applies each
   * request as a unit (one log append) but has no transaction across requests: when one fails,
   * the batches already acknowledged stay written, those in flight may or may not land, and the
   * rest are not sent. Upserting the same records again is safe and completes the write.
   * Each batch reads the records' current metadata first to remove keys the new metadata lacks
   * (see ./chroma-upsert-request.ts); two stores upserting the same id at the same moment can
   * leave a key of the losing write filterable (the returned metadata is the winner's).
   */
  async upsert(name: string, records: VectorRecord[]): Promise<{ upserted: number }> {
    const { collection, spec } = await this.openCollection(name);
    const rows: UpsertRow[] = validateRecords(name, records, spec.dimension).map((record) => ({
      id: record.id,
      vector: Array.from(record.vector),
      // Chroma cannot clear a document (null leaves the old one): write '' and flag the absence.
      document: record.document ?? '',
      metadata: encodeMetadata(record.metadata, record.document !== undefined),
      removedKeys: [],
    }));
    const { batchSize, concurrency } = this.options;
    await inBatches(rows, batchSize, concurrency, (batch, offset) =>
      upsertBatch(
        this.endpoint(),
        { collection, name },
        batch,
        `upserting records ${offset}–${offset + batch.length - 1} into '${name}'`,
      ),
    );
    this.options.logger.debug({ collection: name, records: rows.length }, 'chroma upsert');
    return { upserted: rows.length };
  }

  async delete(name: string, selector: DeleteSelector): Promise<{ deleted: number }> {
    const { collection } = await this.openCollection(name);
    let candidates: string[];
    if ('ids' in selector) {
      candidates = [...new Set(validateIds(name, selector.ids))];
    } else {
      candidates = await this.matchingIds(
        collection,
        name,
        compileChromaFilter(parseFilter(selector.filter)),
      );
    }
    let deleted = 0;
    // Chroma does not report how many records a delete removed: count those that exist first.
    await inBatches(candidates, this.options.batchSize, this.options.concurrency, async (batch) => {
      const what = `deleting ${batch.length} records from '${name}'`;
      const existing = (await callChroma(what, () => collection.get({ ids: batch, include: [] }), name)).ids;
      if (existing.length === 0) return;
      await callChroma(what, () => collection.delete({ ids: existing }), name);
      deleted += existing.length;
    });
    return { deleted };
  }

  async count(name: string, filter?: FilterInput): Promise<number> {
    const { collection } = await this.openCollection(name);
    const where = compileChromaFilter(parseFilter(filter));
    if (where === undefined) return callChroma(`counting '${name}'`, () => collection.count(), name);
    // Chroma counts only whole collections: a filtered count fetches the matching ids.
    return (await this.matchingIds(collection, name, where)).length;
  }

  async query(name: string, request: QueryRequest): Promise<QueryMatch[]> {
    const cached = this.handles.get(name);
    if (cached) {
      try {
        return await this.queryCollection(cached, name, request);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        this.handles.delete(name);
      }
    }
    const opened = await this.openCollection(name);
    this.handles.set(name, opened);
    return this.queryCollection(opened, name, request);
  }

  private async queryCollection(
    { collection, spec }: OpenCollection,
    name: string,
    request: QueryRequest,
  ): Promise<QueryMatch[]> {
    this.assertOpen();
    validateQuery(name, request, spec.dimension);
    const where = compileChromaFilter(parseFilter(request.filter));
    const include: ('distances' | 'metadatas' | 'documents' | 'embeddings')[] = [
      'distances',
      'metadatas',
      'documents',
    ];
    if (request.includeVectors) include.push('embeddings');
    const result = await callChroma(
      `querying '${name}'`,
      () =>
        collection.query({
          queryEmbeddings: [Array.from(request.vector)],
          nResults: request.topK,
          where,
          include,
        }),
      name,
    );
    return toQueryMatches(result, spec.metric, request.includeVectors === true);
  }

  /** The chromadb client holds no connections of its own (fetch pools them); later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.handles.clear();
  }

  private async openCollection(name: string): Promise<OpenCollection> {
    this.assertOpen();
    assertCollectionName(name);
    const collection = await callChroma(
      `opening collection '${name}'`,
      () => this.client.getCollection({ name: toChromaName(name) }),
      name,
    );
    const spec = specFromMetadata(name, collection.metadata);
    if (!spec) {
      throw new ConflictError(
        `collection '${name}' exists in Chroma but was not created by Switchyard: its metadata has no dimension and metric`,
        { collection: name },
      );
    }
    return { collection, spec };
  }

  private async info({ collection, spec }: OpenCollection): Promise<CollectionInfo> {
    const count = await callChroma(`counting '${spec.name}'`, () => collection.count(), spec.name);
    return { ...spec, count };
  }

  /** Every Chroma collection of the database (the client pages by 100). */
  private async listChroma(): Promise<Collection[]> {
    const all: Collection[] = [];
    const limit = 100;
    for (let offset = 0; ; offset += limit) {
      const page = await callChroma('listing collections', () =>
        this.client.listCollections({ limit, offset }),
      );
      all.push(...page);
      if (page.length < limit) return all;
    }
  }

  /** Ids of the records matching `where` (all records when undefined), in one request. */
  private async matchingIds(
    collection: Collection,
    name: string,
    where: Where | undefined,
  ): Promise<string[]> {
    const result = await callChroma(
      `finding the records of '${name}' that match a filter`,
      () => collection.get({ where, include: [] }),
      name,
    );
    return result.ids;
  }

  private endpoint() {
    const { baseUrl, tenant, database, headers } = this.options;
    return { baseUrl, tenant, database, headers };
  }

  private assertOpen(): void {
    if (this.closed) throw new BackendError('chroma', 'the store is closed; open a new one');
  }
}
