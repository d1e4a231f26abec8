import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, UnsupportedError, ValidationError } from '../../../../core/errors.js';
import { evaluateFilter } from '../../../../stores/vector/filter/evaluate-filter.js';
import type { FilterInput, OperatorName } from '../../../../stores/vector/filter/filter-ast.js';
import { parseFilter } from '../../../../stores/vector/filter/parse-filter.js';
import { exactDistance, similarityFromDistance } from '../../../../stores/vector/score.js';
import type { Metadata, Metric, VectorRecord, VectorStore } from '../../../../stores/vector/types.js';
import { DimensionMismatchError } from '../../../../stores/vector/vector-errors.js';

/**
 * The one suite every vector backend passes. A backend test file calls {@link runConformance}
 * with a factory; each case gets its own collection (unique name) so runs never collide.
 */
export interface ConformanceTarget {
  /** Opens a store. Called once per suite, and again by the persistence case after close(). */
  open(): Promise<VectorStore>;
  /** Set when the backend's storage outlives the store object (files, a database). */
  persistent?: boolean;
  /** Operators this backend refuses with UnsupportedError (the suite checks that it does). */
  unsupported?: OperatorName[];
  /** When set, the whole suite is reported skipped with this reason. */
  skipReason?: string;
  /** Unique prefix for collection names (3–40 chars). */
  prefix: string;
  /** Runs after the suite (stop servers, remove directories). */
  cleanup?(): Promise<void>;
}

const TOLERANCE = 1e-4;

/** Deterministic pseudo-random numbers so every backend sees the same data. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomVectors(count: number, dimension: number, seed: number): number[][] {
  const next = seeded(seed);
  return Array.from({ length: count }, () => Array.from({ length: dimension }, () => next() * 2 - 1));
}

/** Metadata with every shape the filter semantics cover: present, missing, null, nested, arrays. */
function metadataFor(i: number): Metadata {
  const metadata: Metadata = { n: i, tag: ['red', 'green', 'blue'][i % 3]!, even: i % 2 === 0 };
  if (i % 4 !== 0) metadata.score = i * 1.5;
  if (i % 5 === 0) metadata.owner = { region: i % 10 === 0 ? 'eu' : 'us', tier: i % 3 };
  if (i % 7 === 0) metadata.note = null;
  if (i % 7 === 1) metadata.note = 'kept';
  if (i === 3) metadata.tag = 3;
  if (i === 6) metadata.list = [1, 2, 3];
  return metadata;
}

export const FILTER_CASES: { name: string; filter: FilterInput; operators: OperatorName[] }[] = [
  { name: 'implicit $eq on a string', filter: { tag: 'red' }, operators: ['$eq'] },
  { name: '$eq on a boolean', filter: { even: { $eq: true } }, operators: ['$eq'] },
  {
    name: '$eq is strict about types',
    filter: { $or: [{ n: { $eq: '5' } }, { tag: { $eq: 3 } }, { even: { $eq: 1 } }] },
    operators: ['$or', '$eq'],
  },
  { name: '$ne matches missing fields', filter: { score: { $ne: 3 } }, operators: ['$ne'] },
  { name: '$ne on a string', filter: { tag: { $ne: 'red' } }, operators: ['$ne'] },
  { name: '$in', filter: { tag: { $in: ['red', 'blue'] } }, operators: ['$in'] },
  { name: '$nin matches missing fields', filter: { 'owner.region': { $nin: ['eu'] } }, operators: ['$nin'] },
  { name: '$gt', filter: { n: { $gt: 20 } }, operators: ['$gt'] },
  { name: '$gte and $lt together', filter: { n: { $gte: 5, $lt: 12 } }, operators: ['$gte', '$lt'] },
  { name: '$lte on a field some records miss', filter: { score: { $lte: 15 } }, operators: ['$lte'] },
  { name: 'a fractional bound against integer values', filter: { n: { $lt: 5.5 } }, operators: ['$lt'] },
  { name: '$eq with a fractional operand', filter: { score: { $eq: 7.5 } }, operators: ['$eq'] },
  { name: '$in with a fractional operand', filter: { score: { $in: [1.5, 4.5, 5] } }, operators: ['$in'] },
  { name: '$exists true', filter: { score: { $exists: true } }, operators: ['$exists'] },
  { name: '$exists false', filter: { score: { $exists: false } }, operators: ['$exists'] },
  { name: 'a null value counts as missing', filter: { note: { $exists: false } }, operators: ['$exists'] },
  { name: 'dotted keys reach nested metadata', filter: { 'owner.region': 'us' }, operators: ['$eq'] },
  { name: 'several keys are ANDed', filter: { tag: 'green', even: false }, operators: ['$eq'] },
  {
    name: '$and',
    filter: { $and: [{ n: { $gte: 10 } }, { tag: { $in: ['red', 'green'] } }] },
    operators: ['$and', '$gte', '$in'],
  },
  {
    name: '$or',
    filter: { $or: [{ n: { $lt: 3 } }, { 'owner.region': 'eu' }] },
    operators: ['$or', '$lt', '$eq'],
  },
  {
    name: '$not matches missing fields',
    filter: { $not: { score: { $gt: 10 } } },
    operators: ['$not', '$gt'],
  },
  { name: '$not over $eq', filter: { $not: { tag: 'red' } }, operators: ['$not', '$eq'] },
  {
    name: 'an array field equals no scalar, even one it contains',
    filter: { $or: [{ list: { $eq: 1 } }, { list: { $in: [2, 3] } }, { tag: 'red' }] },
    operators: ['$or', '$eq', '$in'],
  },
  { name: 'an array field exists', filter: { list: { $exists: true } }, operators: ['$exists'] },
  {
    name: 'an object field equals no scalar but exists',
    filter: { $or: [{ owner: { $eq: 'eu' } }, { owner: { $exists: true }, n: { $lt: 12 } }] },
    operators: ['$or', '$eq', '$exists', '$lt'],
  },
];

export function runConformance(backend: string, target: ConformanceTarget): void {
  if (target.skipReason) {
    const reason = target.skipReason;
    // One visible case carries the reason into the output and the summary's skipped list.
    describe(`${backend} conforms to the VectorStore contract`, () => {
      it('runs against a live backend', (ctx) => {
        // stderr too: the default reporter shows it even when every case of the file is skipped.
        console.warn(`${backend} conformance skipped: ${reason}`);
        ctx.skip(reason);
      });
    });
  }
  const suite = target.skipReason ? describe.skip : describe;
  suite(`${backend} conforms to the VectorStore contract`, () => {
    let store: VectorStore;
    let counter = 0;
    const name = () => `${target.prefix}_${(counter++).toString(36)}_${Date.now().toString(36)}`;

    beforeAll(async () => {
      store = await target.open();
    });
    afterAll(async () => {
      await store?.close();
      await target.cleanup?.();
    });

    async function collectionWith(
      metric: Metric,
      records: VectorRecord[],
      dimension: number,
    ): Promise<string> {
      const collection = name();
      await store.createCollection({ name: collection, dimension, metric });
      if (records.length > 0) await store.upsert(collection, records);
      return collection;
    }

    function dataset(count: number, dimension: number, seed: number): VectorRecord[] {
      return randomVectors(count, dimension, seed).map((vector, i) => ({
        id: `doc-${i}`,
        vector,
        metadata: metadataFor(i),
        document: `document ${i}`,
      }));
    }

    describe('collections', () => {
      it('creates, describes, lists and drops a collection', async () => {
        const collection = name();
        const created = await store.createCollection({ name: collection, dimension: 3, metric: 'cosine' });
        expect(created).toEqual({ name: collection, dimension: 3, metric: 'cosine', count: 0 });
        expect(await store.listCollections()).toContain(collection);
        expect(await store.dropCollection(collection)).toBe(true);
        expect(await store.listCollections()).not.toContain(collection);
        expect(await store.dropCollection(collection)).toBe(false);
      });

      it('treats a second identical create as a no-op and a different one as a conflict', async () => {
        const collection = await collectionWith('l2', dataset(3, 4, 1), 4);
        expect((await store.createCollection({ name: collection, dimension: 4, metric: 'l2' })).count).toBe(
          3,
        );
        await expect(
          store.createCollection({ name: collection, dimension: 5, metric: 'l2' }),
        ).rejects.toThrow(ConflictError);
        await expect(
          store.createCollection({ name: collection, dimension: 4, metric: 'ip' }),
        ).rejects.toThrow(ConflictError);
      });

      it('describes count, dimension and metric', async () => {
        const collection = await collectionWith('ip', dataset(7, 5, 2), 5);
        expect(await store.describeCollection(collection)).toEqual({
          name: collection,
          dimension: 5,
          metric: 'ip',
          count: 7,
        });
      });

      it('rejects an unknown collection with NotFoundError on every operation', async () => {
        const missing = `${target.prefix}_missing`;
        await expect(store.describeCollection(missing)).rejects.toThrow(NotFoundError);
        await expect(store.upsert(missing, [{ id: 'a', vector: [1, 2] }])).rejects.toThrow(NotFoundError);
        await expect(store.query(missing, { vector: [1, 2], topK: 1 })).rejects.toThrow(NotFoundError);
        await expect(store.count(missing)).rejects.toThrow(NotFoundError);
        await expect(store.delete(missing, { ids: ['a'] })).rejects.toThrow(NotFoundError);
      });

      it('rejects invalid collection definitions', async () => {
        await expect(store.createCollection({ name: 'x', dimension: 3, metric: 'l2' })).rejects.toThrow(
          ValidationError,
        );
        await expect(store.createCollection({ name: name(), dimension: 0, metric: 'l2' })).rejects.toThrow(
          /dimension/,
        );
        await expect(
          store.createCollection({ name: name(), dimension: 3, metric: 'hamming' as Metric }),
        ).rejects.toThrow(/metric/);
      });
    });

    describe('score contract', () => {
      it('cosine: similarity is cos θ and distance 1 − cos θ', async () => {
        const collection = await collectionWith(
          'cosine',
          [
            { id: 'same', vector: [2, 0] },
            { id: 'orthogonal', vector: [0, 3] },
            { id: 'opposite', vector: [-1, 0] },
            { id: 'diagonal', vector: [1, 1] },
          ],
          2,
        );
        const results = await store.query(collection, { vector: [1, 0], topK: 4 });
        expect(results.map((r) => r.id)).toEqual(['same', 'diagonal', 'orthogonal', 'opposite']);
        const expected = [1, Math.SQRT1_2, 0, -1];
        results.forEach((r, i) => {
          expect(r.similarity).toBeCloseTo(expected[i]!, 4);
          expect(r.distance).toBeCloseTo(1 - expected[i]!, 4);
        });
      });

      it('l2: distance is euclidean (not squared) and similarity 1 / (1 + distance)', async () => {
        const collection = await collectionWith(
          'l2',
          [
            { id: 'origin', vector: [0, 0] },
            { id: 'five', vector: [3, 4] },
            { id: 'ten', vector: [6, 8] },
          ],
          2,
        );
        const results = await store.query(collection, { vector: [0, 0], topK: 3 });
        expect(results.map((r) => r.id)).toEqual(['origin', 'five', 'ten']);
        [0, 5, 10].forEach((d, i) => {
          expect(results[i]!.distance).toBeCloseTo(d, 3);
          expect(results[i]!.similarity).toBeCloseTo(1 / (1 + d), 4);
        });
      });

      it('ip: similarity is the inner product and distance its negative', async () => {
        const collection = await collectionWith(
          'ip',
          [
            { id: 'eleven', vector: [3, 4] },
            { id: 'minus-one', vector: [-1, 0] },
            { id: 'five', vector: [1, 2] },
          ],
          2,
        );
        const results = await store.query(collection, { vector: [1, 2], topK: 3 });
        expect(results.map((r) => r.id)).toEqual(['eleven', 'five', 'minus-one']);
        [11, 5, -1].forEach((dot, i) => {
          expect(results[i]!.similarity).toBeCloseTo(dot, 4);
          expect(results[i]!.distance).toBeCloseTo(-dot, 4);
        });
      });

      for (const metric of ['cosine', 'l2', 'ip'] as const) {
        it(`${metric}: returns the exact top-k with exact scores on random data`, async () => {
          const records = dataset(60, 8, 42);
          const collection = await collectionWith(metric, records, 8);
          const query = randomVectors(1, 8, 7)[0]!;
          const expected = records
            .map((r) => ({ id: r.id, distance: exactDistance(metric, query, r.vector) }))
            .sort((a, b) => a.distance - b.distance)
            .slice(0, 10);
          const results = await store.query(collection, { vector: query, topK: 10 });
          expect(results.map((r) => r.id)).toEqual(expected.map((e) => e.id));
          results.forEach((r, i) => {
            expect(Math.abs(r.distance - expected[i]!.distance)).toBeLessThan(TOLERANCE);
            expect(
              Math.abs(r.similarity - similarityFromDistance(metric, expected[i]!.distance)),
            ).toBeLessThan(TOLERANCE);
          });
        });
      }

      it('returns metadata, document and, on request, the vector', async () => {
        const records = dataset(5, 3, 9);
        const collection = await collectionWith('l2', records, 3);
        const [hit] = await store.query(collection, {
          vector: records[2]!.vector,
          topK: 1,
          includeVectors: true,
        });
        expect(hit!.id).toBe('doc-2');
        expect(hit!.metadata).toEqual(records[2]!.metadata);
        expect(hit!.document).toBe('document 2');
        for (const [i, x] of hit!.vector!.entries()) expect(x).toBeCloseTo(records[2]!.vector[i]!, 5);
        const [plain] = await store.query(collection, { vector: records[2]!.vector, topK: 1 });
        expect(plain!.vector).toBeUndefined();
      });

      it('returns fewer than topK when the collection holds fewer records', async () => {
        const collection = await collectionWith('cosine', dataset(3, 3, 5), 3);
        expect(await store.query(collection, { vector: [1, 0, 0], topK: 10 })).toHaveLength(3);
        const empty = await collectionWith('cosine', [], 3);
        expect(await store.query(empty, { vector: [1, 0, 0], topK: 10 })).toEqual([]);
      });
    });

    describe('filters', () => {
      const records = dataset(40, 4, 11);
      let collection: string;
      beforeAll(async () => {
        collection = await collectionWith('l2', records, 4);
      });

      for (const { name: caseName, filter, operators } of FILTER_CASES) {
        const refused = operators.filter((op) => target.unsupported?.includes(op));
        if (refused.length > 0) {
          it(`${caseName}: refused with a clear error (${refused.join(', ')} unsupported here)`, async () => {
            const attempt = store.query(collection, { vector: [0, 0, 0, 0], topK: 40, filter });
            await expect(attempt).rejects.toThrow(UnsupportedError);
            await expect(attempt).rejects.toThrow(refused[0]!);
          });
          continue;
        }
        it(`${caseName}: query and count match the reference semantics`, async () => {
          const node = parseFilter(filter);
          const expected = records.filter((r) => evaluateFilter(node, r.metadata ?? {})).map((r) => r.id);
          expect(expected.length).toBeGreaterThan(0);
          expect(expected.length).toBeLessThan(records.length);
          const results = await store.query(collection, { vector: [0, 0, 0, 0], topK: 40, filter });
          expect(results.map((r) => r.id).sort()).toEqual([...expected].sort());
          expect(await store.count(collection, filter)).toBe(expected.length);
        });
      }

      it('a filter still returns k rows when it is selective', async () => {
        const results = await store.query(collection, {
          vector: [1, 1, 1, 1],
          topK: 5,
          filter: { tag: 'blue' },
        });
        expect(results).toHaveLength(5);
        expect(results.every((r) => r.metadata.tag === 'blue')).toBe(true);
      });

      it('rejects an invalid filter with a ValidationError that names where', async () => {
        await expect(
          store.query(collection, { vector: [0, 0, 0, 0], topK: 3, filter: { n: { $gt: 'ten' } } }),
        ).rejects.toThrow(/\$\.n\.\$gt/);
        await expect(
          store.query(collection, { vector: [0, 0, 0, 0], topK: 3, filter: { n: { $regex: 'x' } } }),
        ).rejects.toThrow(ValidationError);
      });
    });

    describe('writes', () => {
      it('re-upserting an id replaces vector, metadata and document', async () => {
        const collection = await collectionWith(
          'l2',
          [{ id: 'a', vector: [0, 0], metadata: { v: 1 }, document: 'one' }],
          2,
        );
        await store.upsert(collection, [{ id: 'a', vector: [5, 5], metadata: { w: 2 }, document: 'two' }]);
        expect(await store.count(collection)).toBe(1);
        const [hit] = await store.query(collection, { vector: [5, 5], topK: 1 });
        expect(hit).toMatchObject({ id: 'a', metadata: { w: 2 }, document: 'two' });
        expect(hit!.distance).toBeCloseTo(0, 4);
        expect(await store.count(collection, { v: 1 })).toBe(0);
      });

      it('takes arbitrary string ids', async () => {
        const ids = [
          'with space',
          'ünïcødé',
          'a/b?c=d',
          '42',
          '00000000-0000-0000-0000-000000000000',
          'quote\'"s',
        ];
        const collection = await collectionWith(
          'cosine',
          ids.map((id, i) => ({ id, vector: [1, i + 1] })),
          2,
        );
        const results = await store.query(collection, { vector: [1, 1], topK: 10 });
        expect(results.map((r) => r.id).sort()).toEqual([...ids].sort());
        expect(await store.delete(collection, { ids: ['a/b?c=d', 'never-was'] })).toEqual({ deleted: 1 });
        expect(await store.count(collection)).toBe(ids.length - 1);
      });

      it('upserts a large batch (more than one internal batch)', async () => {
        const records = dataset(1200, 4, 3);
        const collection = await collectionWith('l2', records, 4);
        expect(await store.count(collection)).toBe(1200);
        const [hit] = await store.query(collection, { vector: records[1111]!.vector, topK: 1 });
        expect(hit!.id).toBe('doc-1111');
      });

      it('deletes by ids and by filter, and the deleted records stay gone from queries', async () => {
        const records = dataset(30, 3, 4);
        const collection = await collectionWith('cosine', records, 3);
        expect(await store.delete(collection, { ids: ['doc-1', 'doc-2'] })).toEqual({ deleted: 2 });
        const expected = records.filter((r, i) => i > 2 && r.metadata?.tag === 'red').length;
        expect(await store.delete(collection, { filter: { tag: 'red' } })).toEqual({ deleted: expected + 1 });
        const left = await store.query(collection, { vector: [1, 0, 0], topK: 30 });
        expect(left.map((r) => r.id)).not.toContain('doc-1');
        expect(left.some((r) => r.metadata.tag === 'red')).toBe(false);
        expect(await store.count(collection)).toBe(30 - 2 - expected - 1);
      });
    });

    describe('bad input writes nothing', () => {
      let collection: string;
      beforeAll(async () => {
        collection = await collectionWith('l2', [{ id: 'keep', vector: [1, 2, 3] }], 3);
      });

      const badBatches: {
        name: string;
        records: unknown[];
        error: RegExp | (new (...args: never[]) => Error);
      }[] = [
        {
          name: 'a vector of the wrong dimension',
          records: [
            { id: 'x', vector: [1, 2, 3] },
            { id: 'y', vector: [1, 2] },
          ],
          error: DimensionMismatchError,
        },
        { name: 'NaN in a vector', records: [{ id: 'x', vector: [1, Number.NaN, 3] }], error: /finite/ },
        {
          name: 'Infinity in a vector',
          records: [{ id: 'x', vector: [1, Number.POSITIVE_INFINITY, 3] }],
          error: /finite/,
        },
        {
          name: 'a component beyond float32 range',
          records: [{ id: 'x', vector: [1, 1e39, 3] }],
          error: /float32/,
        },
        { name: 'an empty id', records: [{ id: '', vector: [1, 2, 3] }], error: /id/ },
        {
          name: 'duplicate ids in one batch',
          records: [
            { id: 'd', vector: [1, 2, 3] },
            { id: 'd', vector: [1, 2, 3] },
          ],
          error: /duplicate/,
        },
        {
          name: 'metadata that is not JSON',
          records: [{ id: 'x', vector: [1, 2, 3], metadata: { when: new Date() } }],
          error: /not JSON/,
        },
        {
          name: 'metadata with a NaN',
          records: [{ id: 'x', vector: [1, 2, 3], metadata: { n: Number.NaN } }],
          error: /not JSON/,
        },
      ];
      for (const bad of badBatches) {
        it(`rejects ${bad.name} and leaves the collection unchanged`, async () => {
          await expect(store.upsert(collection, bad.records as VectorRecord[])).rejects.toThrow(bad.error);
          expect(await store.count(collection)).toBe(1);
        });
      }

      it('names expected and received dimension on query', async () => {
        await expect(store.query(collection, { vector: [1, 2], topK: 1 })).rejects.toThrow(
          /expects vectors of dimension 3, received 2/,
        );
      });
    });

    if (target.persistent) {
      describe('persistence', () => {
        it('keeps collections and records across close and reopen', async () => {
          const records = dataset(25, 4, 21);
          const collection = await collectionWith('cosine', records, 4);
          await store.delete(collection, { ids: ['doc-3'] });
          await store.upsert(collection, [
            { id: 'doc-4', vector: [1, 1, 1, 1], metadata: { replaced: true } },
          ]);
          const before = await store.query(collection, { vector: [1, 0, 0, 1], topK: 5 });
          await store.close();
          store = await target.open();
          expect(await store.describeCollection(collection)).toMatchObject({
            dimension: 4,
            metric: 'cosine',
            count: 24,
          });
          const after = await store.query(collection, { vector: [1, 0, 0, 1], topK: 5 });
          expect(after.map((r) => [r.id, r.similarity.toFixed(4)])).toEqual(
            before.map((r) => [r.id, r.similarity.toFixed(4)]),
          );
          expect(await store.count(collection, { replaced: true })).toBe(1);
          // The label map must survive too: a new record after reopen does not clobber an old one.
          await store.upsert(collection, [{ id: 'after-reopen', vector: [9, 9, 9, 9] }]);
          expect(await store.count(collection)).toBe(25);
          const [top] = await store.query(collection, { vector: records[10]!.vector, topK: 1 });
          expect(top!.id).toBe('doc-10');
        });
      });
    }
  });
}
