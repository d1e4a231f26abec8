import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSqlFilter } from '../../../../stores/vector/backends/pgvector/compile-sql-filter.js';
import { evaluateFilter } from '../../../../stores/vector/filter/evaluate-filter.js';
import type { FilterInput } from '../../../../stores/vector/filter/filter-ast.js';
import { parseFilter } from '../../../../stores/vector/filter/parse-filter.js';
import type { Metadata } from '../../../../stores/vector/types.js';

/** Metadata shaped to break a careless translation: type look-alikes, nulls, arrays, nesting. */
const DOCS: Record<string, Metadata> = {
  numberOne: { n: 1, s: '1', b: true, f: 1.5, tags: ['a', 'b'], owner: { region: 'eu', tier: 1 } },
  stringOne: { n: '1', s: 1, b: 'true', f: '1.5', owner: { region: 'us', tier: '1' } },
  booleanOne: { n: true, s: true, b: 1, owner: 'eu' },
  floatOne: { n: 1.0, f: 2.25, owner: { region: null, tier: 2 } },
  nulls: { n: null, s: null, b: null, f: null, owner: null },
  arrays: { n: [1], s: ['1'], list: [1, 2, 3], owner: [{ region: 'eu' }] },
  objects: { n: { v: 1 }, s: {}, owner: { region: { name: 'eu' } } },
  empty: {},
  negative: { n: -5, f: -0.5, big: 1e21, tiny: 0.1 },
  nested: { a: { b: { c: { d: 'deep' } } }, list: { '0': 'key zero' } },
  quoted: { "it's": "O'Brien", 'say "hi"': "x'); DROP TABLE docs; --" },
};

const FILTERS: FilterInput[] = [
  { n: 1 },
  { n: '1' },
  { n: true },
  { n: { $eq: 1.0 } },
  { n: { $ne: 1 } },
  { s: { $ne: '1' } },
  { n: { $in: [1, '1'] } },
  { n: { $in: [true] } },
  { n: { $nin: [1] } },
  { s: { $nin: ['1', true] } },
  { n: { $gt: 0 } },
  { n: { $gte: 1 } },
  { n: { $lt: 1 } },
  { n: { $lte: -5 } },
  { f: { $gt: 1, $lt: 2 } },
  { big: { $gt: 1e20 } },
  { tiny: { $gte: 0.1 } },
  { n: { $exists: true } },
  { n: { $exists: false } },
  { 'owner.region': 'eu' },
  { 'owner.region': { $ne: 'eu' } },
  { 'owner.region': { $exists: true } },
  { 'owner.region': { $exists: false } },
  { 'owner.tier': { $gte: 1 } },
  { 'owner.region.name': 'eu' },
  { 'a.b.c.d': 'deep' },
  { 'list.0': 1 },
  { 'list.0': 'key zero' },
  { 'list.0': { $exists: true } },
  { tags: 'a' },
  { tags: { $ne: 'a' } },
  { "it's": "O'Brien" },
  { 'say "hi"': "x'); DROP TABLE docs; --" },
  { $not: { n: { $gt: 0 } } },
  { $not: { n: 1 } },
  { $not: { $or: [{ n: 1 }, { s: 1 }] } },
  { $and: [{ n: { $exists: true } }, { $not: { n: { $in: [1] } } }] },
  { $or: [{ 'owner.tier': { $lt: 2 } }, { b: { $nin: [true, 1] } }] },
  { n: 1, f: { $exists: true } },
];

describe('compileSqlFilter', () => {
  it('compiles no filter to TRUE with no parameters', () => {
    expect(compileSqlFilter(null, 2)).toEqual({ sql: 'TRUE', params: [] });
  });

  it('puts paths and operands in parameters numbered from firstParam, never in the SQL text', () => {
    const node = parseFilter({ 'o\'wner.reg"ion': { $in: ["x'); DROP TABLE t; --", 3] }, n: { $gt: 2 } });
    const { sql, params } = compileSqlFilter(node, 2);
    expect(params).toEqual(["o'wner", 'reg"ion', JSON.stringify(["x'); DROP TABLE t; --", 3]), 'n', '2']);
    expect(sql).not.toMatch(/DROP|wner|ion|'x/);
    const placeholders = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    expect(Math.min(...placeholders)).toBe(2);
    expect(Math.max(...placeholders)).toBe(params.length + 1);
  });

  it('walks paths with -> and text keys, not #>, so a numeric segment never indexes an array', () => {
    const { sql } = compileSqlFilter(parseFilter({ 'list.0': 1 }));
    expect(sql).toContain('metadata -> $1::text -> $2::text');
    expect(sql).not.toContain('#>');
  });

  it('makes every predicate two-valued, so NOT of a missing field is true rather than NULL', () => {
    const { sql } = compileSqlFilter(parseFilter({ $not: { n: { $gt: 1 } } }));
    expect(sql).toMatch(/^\(NOT coalesce\(/);
  });

  describe('against PostgreSQL (PGlite), the results equal the reference evaluator', () => {
    let db: PGlite;
    beforeAll(async () => {
      db = await PGlite.create('memory://');
      await db.exec('CREATE TABLE docs (id text PRIMARY KEY, metadata jsonb NOT NULL)');
      for (const [id, metadata] of Object.entries(DOCS)) {
        await db.query('INSERT INTO docs VALUES ($1, $2::jsonb)', [id, JSON.stringify(metadata)]);
      }
    });
    afterAll(async () => {
      await db?.close();
    });

    for (const filter of FILTERS) {
      it(JSON.stringify(filter), async () => {
        const node = parseFilter(filter);
        const expected = Object.entries(DOCS)
          .filter(([, metadata]) => evaluateFilter(node, metadata))
          .map(([id]) => id)
          .sort();
        const { sql, params } = compileSqlFilter(node);
        const { rows } = await db.query<{ id: string }>(
          `SELECT id FROM docs WHERE ${sql} ORDER BY id COLLATE "C"`,
          params,
        );
        expect(rows.map((row) => row.id)).toEqual(expected);
      });
    }

    it('the filter set covers matches and non-matches of every operator', () => {
      const operators = new Set(FILTERS.flatMap((filter) => JSON.stringify(filter).match(/\$[a-z]+/g) ?? []));
      expect([...operators].sort()).toEqual(
        ['$and', '$eq', '$exists', '$gt', '$gte', '$in', '$lt', '$lte', '$ne', '$nin', '$not', '$or'].sort(),
      );
    });
  });
});
