import { describe, expect, it } from 'vitest';
import { planPayloadIndexes } from '../../../../stores/vector/backends/qdrant/payload-index-plan.js';
import { parseFilter } from '../../../../stores/vector/filter/parse-filter.js';

const plan = (filter: Record<string, unknown>) => planPayloadIndexes(parseFilter(filter));

describe('planPayloadIndexes', () => {
  it('plans nothing for no filter', () => {
    expect(planPayloadIndexes(null)).toEqual([]);
  });

  it('indexes string keys as keyword, booleans as bool and numbers as float', () => {
    expect(plan({ tag: 'red', even: true, n: { $gt: 3 }, 'owner.region': { $in: ['eu', 'us'] } })).toEqual([
      { path: 'tag', key: 'metadata.tag', schema: 'keyword' },
      { path: 'even', key: 'metadata.even', schema: 'bool' },
      { path: 'n', key: 'metadata.n', schema: 'float' },
      { path: 'owner.region', key: 'metadata.owner.region', schema: 'keyword' },
    ]);
  });

  it('uses float, never integer, for integer operands (an integer index truncates range bounds)', () => {
    expect(plan({ n: 5 })).toEqual([{ path: 'n', key: 'metadata.n', schema: 'float' }]);
    expect(plan({ n: { $in: [1, 2] } })).toEqual([{ path: 'n', key: 'metadata.n', schema: 'float' }]);
  });

  it('finds keys under $and, $or, $not, $ne and $nin, once each', () => {
    expect(
      plan({ $or: [{ a: { $ne: 'x' } }, { $not: { b: { $nin: [1] } } }], $and: [{ a: 'y' }, { c: false }] }),
    ).toEqual([
      { path: 'a', key: 'metadata.a', schema: 'keyword' },
      { path: 'b', key: 'metadata.b', schema: 'float' },
      { path: 'c', key: 'metadata.c', schema: 'bool' },
    ]);
  });

  it('skips a key compared with several types: one index per key could serve only one', () => {
    expect(plan({ $or: [{ tag: 'red' }, { tag: 3 }], n: 1 })).toEqual([
      { path: 'n', key: 'metadata.n', schema: 'float' },
    ]);
    expect(plan({ v: { $in: ['a', 1] } })).toEqual([]);
  });

  it('skips a key only tested with $exists: there is no type to index by', () => {
    expect(plan({ score: { $exists: true }, note: { $exists: false } })).toEqual([]);
  });

  it('quotes keys the way filters address them', () => {
    expect(plan({ 'with space': 'x' })).toEqual([
      { path: 'with space', key: 'metadata."with space"', schema: 'keyword' },
    ]);
  });
});
