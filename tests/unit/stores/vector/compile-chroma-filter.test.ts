import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../../core/errors.js';
import { encodeMetadata, valueKey } from '../../../../stores/vector/backends/chroma/chroma-metadata.js';
import { scalar, upsertBody } from '../../../../stores/vector/backends/chroma/chroma-upsert-request.js';
import { compileChromaFilter } from '../../../../stores/vector/backends/chroma/compile-chroma-filter.js';
import type { FilterInput, FilterNode } from '../../../../stores/vector/filter/filter-ast.js';
import { parseFilter } from '../../../../stores/vector/filter/parse-filter.js';

const compile = (filter: FilterInput) => compileChromaFilter(parseFilter(filter));
const TYPES = ['string', 'number', 'boolean', 'array', 'object'];

describe('compileChromaFilter', () => {
  it('compiles no filter to no where clause', () => {
    expect(compileChromaFilter(null)).toBeUndefined();
    expect(compile({})).toBeUndefined();
  });

  it('writes an implicit equality as an explicit $eq', () => {
    expect(compile({ tag: 'red' })).toEqual({ tag: { $eq: 'red' } });
    expect(compile({ even: { $eq: true } })).toEqual({ even: { $eq: true } });
  });

  it('wraps several keys of one object in $and (Chroma takes one key per object)', () => {
    expect(compile({ tag: 'green', even: false })).toEqual({
      $and: [{ tag: { $eq: 'green' } }, { even: { $eq: false } }],
    });
  });

  it('wraps several operators on one field in $and (Chroma takes one operator per field)', () => {
    expect(compile({ n: { $gte: 5, $lt: 12 } })).toEqual({ $and: [{ n: { $gte: 5 } }, { n: { $lt: 12 } }] });
  });

  it('uses a single child of $and / $or bare (Chroma needs two or more)', () => {
    expect(compile({ $and: [{ n: 1 }] })).toEqual({ n: { $eq: 1 } });
    expect(compile({ $or: [{ n: { $gt: 1 } }] })).toEqual({ n: { $gt: 1 } });
  });

  it('merges nested lists of the same operator', () => {
    expect(compile({ $and: [{ a: 1 }, { $and: [{ b: 2 }, { c: 3 }] }] })).toEqual({
      $and: [{ a: { $eq: 1 } }, { b: { $eq: 2 } }, { c: { $eq: 3 } }],
    });
    expect(compile({ $or: [{ a: 1 }, { $and: [{ b: 2 }, { c: 3 }] }] })).toEqual({
      $or: [{ a: { $eq: 1 } }, { $and: [{ b: { $eq: 2 } }, { c: { $eq: 3 } }] }],
    });
  });

  it('keeps dotted keys as the flattened path', () => {
    expect(compile({ 'owner.region': 'us' })).toEqual({ 'owner.region': { $eq: 'us' } });
  });

  describe('$not, which Chroma lacks, is pushed down to the leaves', () => {
    it('turns eq into ne, ne into eq, in into nin and nin into in', () => {
      expect(compile({ $not: { tag: 'red' } })).toEqual({ tag: { $ne: 'red' } });
      expect(compile({ $not: { tag: { $ne: 'red' } } })).toEqual({ tag: { $eq: 'red' } });
      expect(compile({ $not: { tag: { $in: ['a', 'b'] } } })).toEqual({ tag: { $nin: ['a', 'b'] } });
      expect(compile({ $not: { tag: { $nin: ['a'] } } })).toEqual({ tag: { $in: ['a'] } });
    });

    it('applies De Morgan to $and and $or, including the implicit $and of several keys', () => {
      expect(compile({ $not: { a: 1, b: 2 } })).toEqual({ $or: [{ a: { $ne: 1 } }, { b: { $ne: 2 } }] });
      expect(compile({ $not: { $or: [{ a: 1 }, { b: { $in: ['x'] } }] } })).toEqual({
        $and: [{ a: { $ne: 1 } }, { b: { $nin: ['x'] } }],
      });
    });

    it('cancels a double negation', () => {
      expect(compile({ $not: { $not: { tag: 'red' } } })).toEqual({ tag: { $eq: 'red' } });
    });

    it('negates a range as "not a number, or the complementary range" (missing fields match)', () => {
      const notNumber = { '__sy_t.score': { $ne: 'number' } };
      expect(compile({ $not: { score: { $gt: 10 } } })).toEqual({
        $or: [notNumber, { score: { $lte: 10 } }],
      });
      expect(compile({ $not: { score: { $gte: 10 } } })).toEqual({
        $or: [notNumber, { score: { $lt: 10 } }],
      });
      expect(compile({ $not: { score: { $lt: 10 } } })).toEqual({
        $or: [notNumber, { score: { $gte: 10 } }],
      });
      expect(compile({ $not: { score: { $lte: 10 } } })).toEqual({
        $or: [notNumber, { score: { $gt: 10 } }],
      });
    });
  });

  describe('$exists, which Chroma lacks, tests the type marker', () => {
    it('compiles true to "has a type" and false to "has none"', () => {
      expect(compile({ score: { $exists: true } })).toEqual({ '__sy_t.score': { $in: TYPES } });
      expect(compile({ 'owner.tier': { $exists: false } })).toEqual({ '__sy_t.owner.tier': { $nin: TYPES } });
    });

    it('negates by flipping', () => {
      expect(compile({ $not: { score: { $exists: true } } })).toEqual({ '__sy_t.score': { $nin: TYPES } });
    });
  });

  describe('$in lists, which Chroma wants of one type', () => {
    it('keeps a list of one type as one $in', () => {
      expect(compile({ tag: { $in: ['red', 'blue'] } })).toEqual({ tag: { $in: ['red', 'blue'] } });
      expect(compile({ n: { $in: [1, 2, 3] } })).toEqual({ n: { $in: [1, 2, 3] } });
    });

    it('splits a mixed list into one list per type, joined by $or', () => {
      expect(compile({ v: { $in: ['5', 5, true, 1.5, 'x', 2] } })).toEqual({
        $or: [
          { v: { $in: ['5', 'x'] } },
          { v: { $in: [true] } },
          { v: { $in: [5, 2] } },
          { v: { $in: [1.5] } },
        ],
      });
    });

    it('splits a mixed $nin the same way, joined by $and', () => {
      expect(compile({ v: { $nin: ['5', 5] } })).toEqual({
        $and: [{ v: { $nin: ['5'] } }, { v: { $nin: [5] } }],
      });
    });

    it('sends an integer beyond 2^53 as its own $eq / $ne, whatever JSON type the server reads it as', () => {
      const big = 2 ** 60;
      expect(compile({ v: { $in: [1, big] } })).toEqual({ $or: [{ v: { $in: [1] } }, { v: { $eq: big } }] });
      expect(compile({ v: { $nin: [big] } })).toEqual({ v: { $ne: big } });
    });
  });

  describe('keys Chroma would mishandle', () => {
    it('points a filter on a reserved top-level key at a key that never exists (the field is missing)', () => {
      expect(compile({ __sy_json: '{}' })).toEqual({ __sy_absent: { $eq: '{}' } });
      expect(compile({ __sy_doc: { $exists: true } })).toEqual({ __sy_absent: { $in: TYPES } });
    });

    it('escapes paths starting with chroma:, which Chroma silently drops from metadata', () => {
      expect(compile({ 'chroma:tag': 'x' })).toEqual({ '__sy_e.chroma:tag': { $eq: 'x' } });
    });
  });

  it('refuses a node it does not know with UnsupportedError naming the operator, never dropping it', () => {
    const unknown = { kind: 'match', op: 'regex', path: ['title'], value: '^a' } as unknown as FilterNode;
    const nested: FilterNode = {
      kind: 'and',
      children: [{ kind: 'compare', path: ['a'], op: 'eq', value: 1 }, unknown],
    };
    expect(() => compileChromaFilter(nested)).toThrow(UnsupportedError);
    expect(() => compileChromaFilter(nested)).toThrow(/\$regex/);
  });
});

describe('chroma metadata encoding the compiler relies on', () => {
  it('stores the JSON, every scalar leaf under its dotted path and a type for every non-null value', () => {
    const encoded = encodeMetadata(
      { tag: 'red', n: 3, ok: false, owner: { region: 'eu', deep: { x: 1 } }, list: [1, 2], gone: null },
      true,
    );
    expect(encoded).toEqual({
      __sy_json: JSON.stringify({
        tag: 'red',
        n: 3,
        ok: false,
        owner: { region: 'eu', deep: { x: 1 } },
        list: [1, 2],
        gone: null,
      }),
      __sy_doc: true,
      tag: 'red',
      '__sy_t.tag': 'string',
      n: 3,
      '__sy_t.n': 'number',
      ok: false,
      '__sy_t.ok': 'boolean',
      '__sy_t.owner': 'object',
      'owner.region': 'eu',
      '__sy_t.owner.region': 'string',
      '__sy_t.owner.deep': 'object',
      'owner.deep.x': 1,
      '__sy_t.owner.deep.x': 'number',
      '__sy_t.list': 'array',
    });
  });

  it('escapes chroma: keys the same way the compiler does', () => {
    expect(encodeMetadata({ 'chroma:tag': 'x' }, false)).toMatchObject({ [valueKey(['chroma:tag'])]: 'x' });
    expect(valueKey(['chroma:tag'])).not.toMatch(/^chroma:/);
  });

  it('writes integral numbers as floats and removed keys as null in the upsert body', () => {
    expect([scalar(5), scalar(-2), scalar(0), scalar(1.5), scalar(1e21), scalar('5'), scalar(true)]).toEqual([
      '5.0',
      '-2.0',
      '0.0',
      '1.5',
      '1e+21',
      '"5"',
      'true',
    ]);
    const body = upsertBody([
      { id: 'a', vector: [1, 2], document: '', metadata: { n: 5, s: 'x' }, removedKeys: ['old'] },
    ]);
    expect(body).toBe(
      '{"ids":["a"],"embeddings":[[1,2]],"documents":[""],"metadatas":[{"n":5.0,"s":"x","old":null}]}',
    );
    expect(JSON.parse(body).metadatas[0]).toEqual({ n: 5, s: 'x', old: null });
  });
});
