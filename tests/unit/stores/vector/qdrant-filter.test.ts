import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../../core/errors.js';
import {
  compileQdrantFilter,
  qdrantKey,
} from '../../../../stores/vector/backends/qdrant/compile-qdrant-filter.js';
import { parseFilter } from '../../../../stores/vector/filter/parse-filter.js';

const compile = (filter: Record<string, unknown>) => compileQdrantFilter(parseFilter(filter));

describe('compileQdrantFilter', () => {
  it('compiles no filter to none', () => {
    expect(compileQdrantFilter(null)).toBeUndefined();
    expect(compile({})).toBeUndefined();
  });

  it('puts user paths under the metadata sub-object', () => {
    expect(compile({ tag: 'red' })).toEqual({ must: [{ key: 'metadata.tag', match: { value: 'red' } }] });
    expect(compile({ 'owner.region': 'eu' })).toEqual({
      must: [{ key: 'metadata.owner.region', match: { value: 'eu' } }],
    });
  });

  describe('$eq keeps types apart', () => {
    it('matches a string with a string match', () => {
      expect(compile({ n: { $eq: '5' } })).toEqual({ must: [{ key: 'metadata.n', match: { value: '5' } }] });
    });

    it('matches a boolean with a boolean match', () => {
      expect(compile({ even: { $eq: true } })).toEqual({
        must: [{ key: 'metadata.even', match: { value: true } }],
      });
    });

    it('matches a number, integer or not, with a one-point range', () => {
      // match {value} takes integers only and compares through as_i64; a range compares any number.
      expect(compile({ n: 5 })).toEqual({ must: [{ key: 'metadata.n', range: { gte: 5, lte: 5 } }] });
      expect(compile({ score: 1.5 })).toEqual({
        must: [{ key: 'metadata.score', range: { gte: 1.5, lte: 1.5 } }],
      });
    });
  });

  it('negates $ne with must_not, which matches points missing the field', () => {
    expect(compile({ score: { $ne: 3 } })).toEqual({
      must_not: [{ key: 'metadata.score', range: { gte: 3, lte: 3 } }],
    });
    expect(compile({ tag: { $ne: 'red' } })).toEqual({
      must_not: [{ key: 'metadata.tag', match: { value: 'red' } }],
    });
  });

  it('compiles each range operator to its Qdrant bound', () => {
    expect(compile({ n: { $gt: 1 } })).toEqual({ must: [{ key: 'metadata.n', range: { gt: 1 } }] });
    expect(compile({ n: { $gte: 1 } })).toEqual({ must: [{ key: 'metadata.n', range: { gte: 1 } }] });
    expect(compile({ n: { $lt: 1 } })).toEqual({ must: [{ key: 'metadata.n', range: { lt: 1 } }] });
    expect(compile({ n: { $lte: 1 } })).toEqual({ must: [{ key: 'metadata.n', range: { lte: 1 } }] });
  });

  it('compiles $in over strings to one match any', () => {
    expect(compile({ tag: { $in: ['red', 'blue', 'red'] } })).toEqual({
      must: [{ key: 'metadata.tag', match: { any: ['red', 'blue'] } }],
    });
  });

  it('compiles $in over mixed types to a should of typed conditions', () => {
    expect(compile({ v: { $in: ['a', 2, 2.5, false] } })).toEqual({
      should: [
        { key: 'metadata.v', match: { any: ['a'] } },
        { key: 'metadata.v', range: { gte: 2, lte: 2 } },
        { key: 'metadata.v', range: { gte: 2.5, lte: 2.5 } },
        { key: 'metadata.v', match: { value: false } },
      ],
    });
  });

  it('negates $nin with must_not around the $in condition', () => {
    expect(compile({ 'owner.region': { $nin: ['eu'] } })).toEqual({
      must_not: [{ key: 'metadata.owner.region', match: { any: ['eu'] } }],
    });
  });

  it('compiles $exists to is_empty and its negation', () => {
    expect(compile({ score: { $exists: false } })).toEqual({
      must: [{ is_empty: { key: 'metadata.score' } }],
    });
    expect(compile({ score: { $exists: true } })).toEqual({
      must_not: [{ is_empty: { key: 'metadata.score' } }],
    });
  });

  it('compiles $and, $or and $not to must, should and must_not', () => {
    expect(compile({ $and: [{ a: 'x' }, { b: true }] })).toEqual({
      must: [
        { key: 'metadata.a', match: { value: 'x' } },
        { key: 'metadata.b', match: { value: true } },
      ],
    });
    expect(compile({ $or: [{ a: 'x' }, { b: true }] })).toEqual({
      should: [
        { key: 'metadata.a', match: { value: 'x' } },
        { key: 'metadata.b', match: { value: true } },
      ],
    });
    expect(compile({ $not: { a: 'x' } })).toEqual({
      must_not: [{ key: 'metadata.a', match: { value: 'x' } }],
    });
  });

  it('ANDs several keys and several operators on one key', () => {
    expect(compile({ n: { $gte: 5, $lt: 12 }, tag: 'green' })).toEqual({
      must: [
        {
          must: [
            { key: 'metadata.n', range: { gte: 5 } },
            { key: 'metadata.n', range: { lt: 12 } },
          ],
        },
        { key: 'metadata.tag', match: { value: 'green' } },
      ],
    });
  });

  it('nests filters as conditions without flattening their logic', () => {
    expect(compile({ $not: { $or: [{ a: 1 }, { $not: { b: 'y' } }] } })).toEqual({
      must_not: [
        {
          should: [
            { key: 'metadata.a', range: { gte: 1, lte: 1 } },
            { must_not: [{ key: 'metadata.b', match: { value: 'y' } }] },
          ],
        },
      ],
    });
  });
});

describe('qdrantKey', () => {
  it('leaves plain ASCII segments bare and quotes every other one', () => {
    expect(qdrantKey(['owner', 'region_1-a'], '$eq')).toBe('metadata.owner.region_1-a');
    expect(qdrantKey(['with space', 'a[0]', 'ünï'], '$eq')).toBe('metadata."with space"."a[0]"."ünï"');
  });

  it('refuses a key holding a double quote or a backslash, naming the operator and the field', () => {
    expect(() => compile({ 'say"hi': 'x' })).toThrow(UnsupportedError);
    expect(() => compile({ 'say"hi': { $ne: 'x' } })).toThrow(/qdrant cannot express \$ne on field 'say"hi'/);
    expect(() => compile({ 'a.b\\c': { $exists: true } })).toThrow(/\$exists on field 'a\.b\\c'/);
  });
});
