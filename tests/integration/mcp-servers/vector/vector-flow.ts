import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VectorStore } from '../../../../stores/vector/types.js';
import { type Connected, connect, dataOf, type Match } from './vector-harness.js';

const DOCS = [
  {
    id: 'volcano',
    text: 'Volcanoes erupt molten lava and basalt ash.',
    metadata: { lang: 'en', year: 2019 },
  },
  {
    id: 'orchid',
    text: 'Orchids bloom in humid greenhouses with misting.',
    metadata: { lang: 'en', year: 2023 },
  },
  {
    id: 'zeppelin',
    text: 'Zeppelins drifted slowly over the harbour.',
    metadata: { lang: 'de', year: 2021 },
  },
];

/** A document of `n` paragraphs, each longer than half of TEST_CHUNKING.maxChars: one chunk each. */
function longText(n: number, word: string): string {
  return Array.from({ length: n }, (_, i) => `${word} paragraph ${i} ${'filler text '.repeat(10)}end.`).join(
    '\n\n',
  );
}

/**
 * The main path through the server — create, upsert documents, query, filter, re-upsert, delete —
 * run against each store the suite is given.
 */
export function describeDocumentFlow(label: string, open: () => Promise<VectorStore>): void {
  describe(`vector server documents on ${label}`, () => {
    let store: VectorStore;
    let server: Connected;
    const collection = `docs_${label.replace(/\W/g, '_')}`;

    beforeAll(async () => {
      store = await open();
      server = await connect(store);
      dataOf(await server.call('create_collection', { name: collection }));
      dataOf(await server.call('upsert_documents', { collection, documents: DOCS }));
    });
    afterAll(async () => {
      await server?.close();
      await store?.close();
    });

    const query = async (args: Record<string, unknown>): Promise<Match[]> =>
      dataOf<{ matches: Match[] }>(await server.call('query', { collection, ...args })).matches;

    it("creates the collection with the embedder's dimension and counts chunks", async () => {
      const info = dataOf<{ dimension: number; metric: string; count: number }>(
        await server.call('describe_collection', { name: collection }),
      );
      expect(info).toMatchObject({ dimension: 384, metric: 'cosine', count: 3 });
      expect(dataOf<{ collections: string[] }>(await server.call('list_collections')).collections).toContain(
        collection,
      );
    });

    it('finds the document that shares distinctive words with the query text', async () => {
      const [best] = await query({ text: 'lava basalt eruption', topK: 3 });
      expect(best).toMatchObject({
        id: 'volcano#0',
        metadata: { lang: 'en', year: 2019, source_id: 'volcano', chunk: 0 },
        document: DOCS[0]!.text,
      });
      expect(best!.similarity).toBeGreaterThan(0);
    });

    it('applies the portable filter to a query', async () => {
      const english = await query({ text: 'zeppelin harbour', topK: 10, filter: { lang: 'en' } });
      expect(english.map((m) => m.id).sort()).toEqual(['orchid#0', 'volcano#0']);
      const recent = await query({ text: 'anything', topK: 10, filter: { year: { $gte: 2021 } } });
      expect(recent.map((m) => m.metadata['source_id']).sort()).toEqual(['orchid', 'zeppelin']);
    });

    it('queries by vector and returns vectors when asked', async () => {
      const [probe] = await query({ text: 'orchid greenhouse', topK: 1, includeVectors: true });
      expect(probe!.vector).toHaveLength(384);
      const [same] = await query({ vector: probe!.vector, topK: 1 });
      expect(same!.id).toBe('orchid#0');
      expect(same!.similarity).toBeCloseTo(1, 5);
    });

    it('replaces every old chunk when a document is upserted again with fewer chunks', async () => {
      const first = dataOf<{ chunks: number }>(
        await server.call('upsert_documents', {
          collection,
          documents: [{ id: 'manual', text: longText(5, 'alpha') }],
        }),
      );
      expect(first.chunks).toBe(5);
      const second = dataOf<{ chunks: number; staleChunksDeleted: number }>(
        await server.call('upsert_documents', {
          collection,
          documents: [{ id: 'manual', text: longText(2, 'beta') }],
        }),
      );
      expect(second).toMatchObject({ chunks: 2, staleChunksDeleted: 3 });
      const chunks = await query({ text: 'alpha beta paragraph', topK: 50, filter: { source_id: 'manual' } });
      expect(chunks.map((m) => m.id).sort()).toEqual(['manual#0', 'manual#1']);
      expect(chunks.every((m) => m.document!.startsWith('beta'))).toBe(true);
    });

    it('deletes every chunk of a document given its id, and records by filter', async () => {
      dataOf(
        await server.call('upsert_documents', {
          collection,
          documents: [{ id: 'gone', text: longText(3, 'gamma') }],
        }),
      );
      expect(await store.count(collection, { source_id: 'gone' })).toBe(3);
      const byId = dataOf<{ deleted: number }>(await server.call('delete', { collection, ids: ['gone'] }));
      expect(byId.deleted).toBe(3);
      expect(await store.count(collection, { source_id: 'gone' })).toBe(0);

      const byFilter = dataOf<{ deleted: number }>(
        await server.call('delete', { collection, filter: { lang: 'de' } }),
      );
      expect(byFilter.deleted).toBe(1);
      expect(await store.count(collection, { source_id: 'zeppelin' })).toBe(0);
      expect(await store.count(collection, { source_id: 'volcano' })).toBe(1);
    });

    it('drops the collection', async () => {
      const name = `${collection}_tmp`;
      dataOf(await server.call('create_collection', { name, dimension: 3, metric: 'l2' }));
      expect(dataOf(await server.call('drop_collection', { name }))).toEqual({ name, dropped: true });
      expect(dataOf(await server.call('drop_collection', { name }))).toEqual({ name, dropped: false });
      expect(await store.listCollections()).not.toContain(name);
    });
  });
}
