import { randomBytes } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError, ConfigError, ConflictError } from '../../../../core/errors.js';
import { silentLogger } from '../../../../core/logger.js';
import { QdrantVectorStore } from '../../../../stores/vector/backends/qdrant/qdrant-vector-store.js';
import { freePort } from '../../../support/free-port.js';
import { runConformance } from './conformance.js';

/**
 * The Qdrant backend against a real Qdrant server: set QDRANT_URL (the compose cluster has one,
 * `QDRANT_URL=http://localhost:6333`). No Qdrant can run on the development machine, and a fake
 * one would prove nothing, so without QDRANT_URL these cases are reported skipped with the reason.
 * The connection-failure case below needs no server and always runs.
 */
const QDRANT_URL = process.env.QDRANT_URL;
const SKIP_REASON =
  "Qdrant's cases need QDRANT_URL pointing at a Qdrant server (e.g. the compose cluster's Qdrant: QDRANT_URL=http://localhost:6333)";

/** Every collection of this run lives under this prefix, and the cleanup drops them all. */
const PREFIX = `sytest_${randomBytes(4).toString('hex')}_`;
const openStore = () =>
  QdrantVectorStore.open({ url: QDRANT_URL!, collectionPrefix: PREFIX, logger: silentLogger });

async function dropAll(): Promise<void> {
  const store = await openStore();
  for (const name of await store.listCollections()) await store.dropCollection(name);
  await store.close();
}

runConformance('qdrant', {
  prefix: 'qd',
  persistent: true,
  unsupported: [],
  ...(QDRANT_URL ? {} : { skipReason: SKIP_REASON }),
  open: openStore,
  cleanup: dropAll,
});

describe('qdrant without a server', () => {
  it('fails open() with a BackendError naming the URL when nothing listens there', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const attempt = QdrantVectorStore.open({ url, timeoutMs: 5000 });
    await expect(attempt).rejects.toThrow(BackendError);
    await expect(attempt).rejects.toThrow(
      `qdrant: connect failed: connection refused by ${url} (ECONNREFUSED)`,
    );
  });

  it('refuses options that are wrong before connecting, naming the option', async () => {
    await expect(QdrantVectorStore.open({ url: 'localhost:6333' })).rejects.toThrow(ConfigError);
    await expect(QdrantVectorStore.open({ url: 'localhost:6333' })).rejects.toThrow(/option url/);
    await expect(QdrantVectorStore.open({ url: 'http://127.0.0.1:1', batchSize: 0 })).rejects.toThrow(
      /option batchSize: expected a positive integer, got 0/,
    );
    await expect(
      QdrantVectorStore.open({ url: 'http://127.0.0.1:1', collectionPrefix: 'bad prefix' }),
    ).rejects.toThrow(/option collectionPrefix/);
  });
});

describe.skipIf(!QDRANT_URL)('qdrant specifics (need QDRANT_URL)', () => {
  let store: QdrantVectorStore;
  let raw: QdrantClient;
  let counter = 0;
  const name = () => `qs_${(counter++).toString(36)}_${Date.now().toString(36)}`;

  beforeAll(async () => {
    store = await openStore();
    raw = new QdrantClient({ url: QDRANT_URL!, checkCompatibility: false });
  });
  afterAll(async () => {
    await store?.close();
    await dropAll();
  });

  it('keeps array metadata out of scalar matches and gives it back unchanged', async () => {
    const collection = name();
    await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
    await store.upsert(collection, [
      { id: 'list', vector: [0, 0], metadata: { list: [1, 2, 3], empty: [] } },
      { id: 'scalar', vector: [1, 1], metadata: { list: 1, empty: 'x' } },
    ]);
    expect(await store.count(collection, { list: 1 })).toBe(1);
    expect(await store.count(collection, { list: { $ne: 1 } })).toBe(1);
    expect(await store.count(collection, { empty: { $exists: true } })).toBe(2);
    const [hit] = await store.query(collection, { vector: [0, 0], topK: 1 });
    expect(hit!.metadata).toEqual({ list: [1, 2, 3], empty: [] });
  });

  it('creates a payload index per filtered key with the schema of its operands', async () => {
    const collection = name();
    await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
    await store.upsert(collection, [{ id: 'a', vector: [0, 0], metadata: { tag: 'x', n: 1.5, ok: true } }]);
    await store.count(collection, { tag: 'x', n: { $gte: 1 }, ok: true });
    const info = await raw.getCollection(`${PREFIX}${collection}`);
    expect(info.payload_schema['metadata.tag']?.data_type).toBe('keyword');
    expect(info.payload_schema['metadata.n']?.data_type).toBe('float');
    expect(info.payload_schema['metadata.ok']?.data_type).toBe('bool');
    expect(await store.count(collection, { n: { $gte: 1.5 } })).toBe(1);
  });

  it('returns the unit vector of a cosine collection with includeVectors', async () => {
    const collection = name();
    await store.createCollection({ name: collection, dimension: 2, metric: 'cosine' });
    await store.upsert(collection, [{ id: 'a', vector: [3, 4] }]);
    const [hit] = await store.query(collection, { vector: [3, 4], topK: 1, includeVectors: true });
    expect(hit!.vector![0]).toBeCloseTo(0.6, 5);
    expect(hit!.vector![1]).toBeCloseTo(0.8, 5);
  });

  it('refuses to adopt a Qdrant collection with named vectors', async () => {
    const collection = name();
    await raw.createCollection(`${PREFIX}${collection}`, {
      vectors: { text: { size: 2, distance: 'Cosine' } },
    });
    await expect(
      store.createCollection({ name: collection, dimension: 2, metric: 'cosine' }),
    ).rejects.toThrow(ConflictError);
    await expect(store.describeCollection(collection)).rejects.toThrow(/named vectors/);
  });
});
