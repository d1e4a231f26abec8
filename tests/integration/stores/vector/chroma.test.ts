import { ChromaClient } from 'chromadb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackendError, ConflictError, NotFoundError, ValidationError } from '../../../../core/errors.js';
import { DEFAULT_HNSW } from '../../../../stores/vector/backends/chroma/chroma-collections.js';
import { postUpsert, upsertBody } from '../../../../stores/vector/backends/chroma/chroma-upsert-request.js';
import { ChromaVectorStore } from '../../../../stores/vector/backends/chroma/chroma-vector-store.js';
import { evaluateFilter } from '../../../../stores/vector/filter/evaluate-filter.js';
import type { FilterInput } from '../../../../stores/vector/filter/filter-ast.js';
import { parseFilter } from '../../../../stores/vector/filter/parse-filter.js';
import type { Metadata, Metric, VectorRecord } from '../../../../stores/vector/types.js';
import { DimensionMismatchError } from '../../../../stores/vector/vector-errors.js';
import { type ChromaServer, startChromaServer } from '../../../support/chroma-server.js';
import { freePort } from '../../../support/free-port.js';
import { FILTER_CASES, runConformance } from './conformance.js';

// One real Chroma server for this file: the conformance suite and the chroma-specific cases below.
let server: ChromaServer;
beforeAll(async () => {
  server = await startChromaServer();
});
afterAll(async () => {
  await server?.stop();
});

runConformance('chroma', {
  prefix: 'chroma',
  persistent: true,
  // Every operator compiles to an exact Chroma where clause (see compile-chroma-filter.ts).
  unsupported: [],
  open: () => ChromaVectorStore.open({ url: server.url }),
});

describe('chroma backend specifics', () => {
  let store: ChromaVectorStore;
  let raw: ChromaClient;
  let counter = 0;
  const name = () => `chspec_${(counter++).toString(36)}_${Date.now().toString(36)}`;

  beforeAll(async () => {
    store = await ChromaVectorStore.open({ url: server.url });
    raw = new ChromaClient({
      host: '127.0.0.1',
      port: server.port,
      tenant: 'default_tenant',
      database: 'default_database',
    });
  });
  afterAll(async () => {
    await store?.close();
  });

  /** The Chroma metadata of one record, read past the store. */
  async function storedMetadata(collection: string, id: string) {
    const handle = await raw.getCollection({ name: collection });
    const { metadatas } = await handle.get({ ids: [id], include: ['metadatas'] });
    return metadatas[0];
  }

  describe('collections', () => {
    it('queries through a collection handle that another store dropped and re-created', async () => {
      const collection = name();
      await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
      await store.upsert(collection, [{ id: 'old', vector: [0, 0] }]);
      expect((await store.query(collection, { vector: [0, 0], topK: 1 }))[0]!.id).toBe('old');
      const other = await ChromaVectorStore.open({ url: server.url });
      try {
        await other.dropCollection(collection);
        await expect(store.query(collection, { vector: [0, 0], topK: 1 })).rejects.toThrow(NotFoundError);
        await other.createCollection({ name: collection, dimension: 3, metric: 'l2' });
        await other.upsert(collection, [{ id: 'new', vector: [1, 1, 1] }]);
        // The cached handle (dimension 2) is stale; the query must see the new collection.
        const [hit] = await store.query(collection, { vector: [1, 1, 1], topK: 1 });
        expect(hit!.id).toBe('new');
      } finally {
        await other.close();
      }
    });

    for (const metric of ['cosine', 'l2', 'ip'] as Metric[]) {
      it(`creates a ${metric} collection with the HNSW space set explicitly and the documented ef settings`, async () => {
        const collection = name();
        await store.createCollection({ name: collection, dimension: 3, metric });
        const handle = await raw.getCollection({ name: collection });
        expect(handle.configuration.hnsw).toMatchObject({
          space: metric,
          ef_search: DEFAULT_HNSW.efSearch,
          ef_construction: DEFAULT_HNSW.efConstruction,
          max_neighbors: DEFAULT_HNSW.maxNeighbors,
        });
        // No embedding function, so the client never tries to load (download) a default one.
        expect((handle.configuration as Record<string, unknown>).embedding_function ?? null).toBeNull();
        expect(handle.metadata).toMatchObject({ __sy_dimension: 3, __sy_metric: metric });
      });
    }

    it('takes names ending in "_" or "-", which Chroma itself refuses', async () => {
      const base = name();
      for (const collection of [`${base}_`, `${base}-`]) {
        await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
        await store.upsert(collection, [{ id: 'a', vector: [1, 2] }]);
        expect(await store.describeCollection(collection)).toMatchObject({ name: collection, count: 1 });
      }
      expect(await store.listCollections()).toEqual(expect.arrayContaining([`${base}_`, `${base}-`]));
      expect(await store.dropCollection(`${base}_`)).toBe(true);
      expect(await store.describeCollection(`${base}-`)).toMatchObject({ count: 1 });
    });

    it('refuses to use or drop a same-named Chroma collection that Switchyard did not create', async () => {
      const collection = name();
      await raw.createCollection({ name: collection, embeddingFunction: null });
      await expect(store.describeCollection(collection)).rejects.toThrow(ConflictError);
      await expect(store.createCollection({ name: collection, dimension: 2, metric: 'l2' })).rejects.toThrow(
        /not created by Switchyard/,
      );
      await expect(store.dropCollection(collection)).rejects.toThrow(ConflictError);
      expect(await store.listCollections()).not.toContain(collection);
      await raw.deleteCollection({ name: collection });
    });
  });

  describe('metadata', () => {
    it('stores the original JSON, flattened scalar leaves and type markers, and returns the original', async () => {
      const collection = name();
      await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
      const metadata: Metadata = { owner: { region: 'eu', tier: 2 }, tags: ['a', 'b'], gone: null };
      await store.upsert(collection, [{ id: 'a', vector: [0, 0], metadata }]);
      expect(await storedMetadata(collection, 'a')).toEqual({
        __sy_json: JSON.stringify(metadata),
        __sy_doc: false,
        'owner.region': 'eu',
        'owner.tier': 2,
        '__sy_t.owner': 'object',
        '__sy_t.owner.region': 'string',
        '__sy_t.owner.tier': 'number',
        '__sy_t.tags': 'array',
      });
      const [hit] = await store.query(collection, { vector: [0, 0], topK: 1 });
      expect(hit).toMatchObject({ metadata, document: null });
    });

    it('a re-upsert removes the keys the new metadata no longer has (Chroma merges otherwise)', async () => {
      const collection = name();
      await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
      await store.upsert(collection, [{ id: 'a', vector: [0, 0], metadata: { old: 1, nested: { x: 'y' } } }]);
      await store.upsert(collection, [{ id: 'a', vector: [0, 0], metadata: { fresh: true } }]);
      const stored = await storedMetadata(collection, 'a');
      expect(Object.keys(stored ?? {}).sort()).toEqual(['__sy_doc', '__sy_json', '__sy_t.fresh', 'fresh']);
      expect(await store.count(collection, { 'nested.x': { $exists: true } })).toBe(0);
    });

    it('a re-upsert without a document clears the old one', async () => {
      const collection = name();
      await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
      await store.upsert(collection, [{ id: 'a', vector: [0, 0], document: 'first' }]);
      await store.upsert(collection, [{ id: 'a', vector: [0, 0] }]);
      const [hit] = await store.query(collection, { vector: [0, 0], topK: 1 });
      expect(hit!.document).toBeNull();
      await store.upsert(collection, [{ id: 'a', vector: [0, 0], document: '' }]);
      expect((await store.query(collection, { vector: [0, 0], topK: 1 }))[0]!.document).toBe('');
    });
  });

  describe('filters against the real server agree with the reference semantics', () => {
    /** Shapes the compiler must get right: integers next to fractions, look-alike types, nesting. */
    function sample(i: number): Metadata {
      const metadata: Metadata = { n: i, tag: ['red', 'green', 'blue'][i % 3]!, even: i % 2 === 0 };
      if (i % 4 !== 0) metadata.score = i * 1.5 - 10;
      if (i % 5 === 0) metadata.owner = { region: i % 10 === 0 ? 'eu' : 'us', tier: i % 3 };
      if (i % 7 === 0) metadata.note = null;
      if (i % 7 === 1) metadata.note = 'kept';
      if (i === 3) metadata.tag = 3;
      if (i === 4) metadata.n = '4';
      if (i === 6) metadata.list = [1, 2, 3];
      if (i === 8) metadata.even = 1;
      if (i === 9) metadata.owner = 'flat';
      if (i === 11) metadata['chroma:tag'] = 'x';
      if (i === 12) metadata.n = 2 ** 60;
      return metadata;
    }
    const records: VectorRecord[] = Array.from({ length: 40 }, (_, i) => ({
      id: `r${i}`,
      vector: [i % 3, (i * 7) % 5, 1],
      metadata: sample(i),
    }));

    const base = FILTER_CASES.map((c) => c.filter);
    const filters: FilterInput[] = [
      ...base,
      ...base.map((filter) => ({ $not: filter })),
      ...base.slice(1).map((filter, i) => ({ $or: [base[i]!, filter] })),
      ...base.slice(1).map((filter, i) => ({ $not: { $and: [base[i]!, { $not: filter }] } })),
      // Fractional operands next to integer values: wrong if integers were stored as Chroma ints.
      { n: { $lt: 5.5 } },
      { n: { $gte: 4.5 } },
      { n: { $eq: 7.5 } },
      { n: { $ne: 7.5 } },
      { score: { $gt: -1.5 } },
      { $not: { score: { $lte: 0.5 } } },
      { n: { $in: [7.5, 8, 2 ** 60] } },
      // Strict types: '4' is not 4, 1 is not true.
      { n: 4 },
      { n: '4' },
      { even: true },
      { even: 1 },
      { n: { $in: ['4', 5, true, 1.5] } },
      { n: { $nin: ['4', 5, true] } },
      // Arrays, objects and non-objects on the path are missing / unequal.
      { list: { $exists: true } },
      { owner: { $exists: true } },
      { 'owner.region': { $exists: false } },
      { 'chroma:tag': 'x' },
      { __sy_json: { $exists: false } },
    ];

    let collection: string;
    beforeAll(async () => {
      collection = name();
      await store.createCollection({ name: collection, dimension: 3, metric: 'l2' });
      await store.upsert(collection, records);
    });

    it(`count and query match evaluateFilter on ${filters.length} filters`, async () => {
      const disagreements: string[] = [];
      for (const filter of filters) {
        const node = parseFilter(filter);
        const expected = records.filter((r) => evaluateFilter(node, r.metadata ?? {})).map((r) => r.id);
        const results = await store.query(collection, { vector: [0, 0, 0], topK: 40, filter });
        const got = results.map((r) => r.id);
        const counted = await store.count(collection, filter);
        if (JSON.stringify(got.sort()) !== JSON.stringify(expected.sort()) || counted !== expected.length) {
          disagreements.push(
            `${JSON.stringify(filter)}: expected ${expected}, got ${got} (count ${counted})`,
          );
        }
      }
      expect(disagreements).toEqual([]);
    });
  });

  describe('writes', () => {
    it('validates every batch before the first request: a bad last record writes nothing', async () => {
      const small = await ChromaVectorStore.open({ url: server.url, batchSize: 2 });
      const collection = name();
      await small.createCollection({ name: collection, dimension: 2, metric: 'l2' });
      const records = Array.from({ length: 5 }, (_, i) => ({ id: `r${i}`, vector: i === 4 ? [1] : [i, i] }));
      await expect(small.upsert(collection, records)).rejects.toThrow(DimensionMismatchError);
      expect(await small.count(collection)).toBe(0);
      await small.close();
    });

    it('sends one upsert request per batch and keeps at most `concurrency` in flight', async () => {
      const batched = await ChromaVectorStore.open({ url: server.url, batchSize: 4, concurrency: 2 });
      const collection = name();
      await batched.createCollection({ name: collection, dimension: 2, metric: 'l2' });
      const realFetch = globalThis.fetch;
      let requests = 0;
      let inFlight = 0;
      let maxInFlight = 0;
      const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
        const upsert = String(input instanceof Request ? input.url : input).endsWith('/upsert');
        if (!upsert) return realFetch(input, init);
        requests++;
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await realFetch(input, init);
        } finally {
          inFlight--;
        }
      });
      try {
        const records = Array.from({ length: 25 }, (_, i) => ({ id: `r${i}`, vector: [i, 1] }));
        expect(await batched.upsert(collection, records)).toEqual({ upserted: 25 });
      } finally {
        spy.mockRestore();
      }
      expect(requests).toBe(7);
      expect(maxInFlight).toBeLessThanOrEqual(2);
      expect(await batched.count(collection)).toBe(25);
      await batched.close();
    });

    it('counts a delete by the records that existed, a repeated id once', async () => {
      const collection = name();
      await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
      await store.upsert(collection, [
        { id: 'a', vector: [1, 1] },
        { id: 'b', vector: [2, 2] },
      ]);
      expect(await store.delete(collection, { ids: ['a', 'a', 'missing'] })).toEqual({ deleted: 1 });
      expect(await store.delete(collection, { ids: [] })).toEqual({ deleted: 0 });
      expect(await store.count(collection)).toBe(1);
    });
  });

  describe('failures', () => {
    it('wraps an unreachable server in BackendError saying what failed', async () => {
      const port = await freePort();
      await expect(ChromaVectorStore.open({ url: `http://127.0.0.1:${port}` })).rejects.toThrow(BackendError);
      await expect(ChromaVectorStore.open({ url: `http://127.0.0.1:${port}` })).rejects.toThrow(
        `chroma: connecting to Chroma at http://127.0.0.1:${port} failed`,
      );
    });

    it('wraps a failed upsert request with the server message, and a missing collection as NotFoundError', async () => {
      const endpoint = {
        baseUrl: server.url,
        tenant: 'default_tenant',
        database: 'default_database',
        headers: {},
      };
      const collection = name();
      await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
      const { id } = await raw.getCollection({ name: collection });
      const row = { id: 'a', document: '', metadata: {}, removedKeys: [] };
      await store.upsert(collection, [{ id: 'first', vector: [1, 2] }]);
      const wrongDimension = upsertBody([{ ...row, vector: [1, 2, 3] }]);
      await expect(
        postUpsert(endpoint, { id, name: collection }, wrongDimension, 'the write'),
      ).rejects.toThrow(/chroma: the write failed: HTTP 4\d\d: .*dimension/);
      const missing = { id: '00000000-0000-0000-0000-000000000000', name: 'gone' };
      await expect(
        postUpsert(endpoint, missing, upsertBody([{ ...row, vector: [1, 2] }]), 'w'),
      ).rejects.toThrow(NotFoundError);
      const closed = { ...endpoint, baseUrl: `http://127.0.0.1:${await freePort()}` };
      await expect(postUpsert(closed, { id, name: collection }, wrongDimension, 'w')).rejects.toThrow(
        /chroma: w failed: cannot reach/,
      );
    });

    it('rejects bad options with a message naming the option', async () => {
      await expect(ChromaVectorStore.open({ url: server.url, batchSize: 0 })).rejects.toThrow(/batchSize/);
      await expect(ChromaVectorStore.open({ url: server.url, concurrency: 1.5 })).rejects.toThrow(
        /concurrency/,
      );
      await expect(ChromaVectorStore.open({ url: `${server.url}/chroma` })).rejects.toThrow(ValidationError);
      await expect(ChromaVectorStore.open({ url: 'localhost:8000' })).rejects.toThrow(/http or https/);
      await expect(ChromaVectorStore.open({ url: server.url, batchSize: 1_000_000 })).rejects.toThrow(
        /exceeds the server's max batch size/,
      );
      await expect(ChromaVectorStore.open({ url: server.url, database: 'no_such_db' })).rejects.toThrow(
        "database 'default_tenant/no_such_db' does not exist",
      );
    });

    it('fails clearly when used after close()', async () => {
      const closed = await ChromaVectorStore.open({ url: server.url });
      await closed.close();
      await expect(closed.listCollections()).rejects.toThrow(/closed/);
    });
  });
});
