import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import { FaissVectorStore } from '../../../../stores/vector/backends/faiss/faiss-vector-store.js';
import { MemoryVectorStore } from '../../../../stores/vector/backends/memory/memory-vector-store.js';
import { PgvectorStore } from '../../../../stores/vector/backends/pgvector/pgvector-store.js';
import type { FilterInput } from '../../../../stores/vector/filter/filter-ast.js';
import type { Metric, QueryMatch, VectorRecord, VectorStore } from '../../../../stores/vector/types.js';

/**
 * The exact backends must agree: the same query on memory, faiss (flat) and pgvector (exact)
 * returns the same ids in the same order, with similarities and distances within 1e-4.
 */
const TOLERANCE = 1e-4;
const DIMENSION = 48;
const COUNT = 1500;

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const next = seeded(2024);
const vector = () => Array.from({ length: DIMENSION }, () => next() * 2 - 1);
const records: VectorRecord[] = Array.from({ length: COUNT }, (_, i) => ({
  id: `r${i}`,
  vector: vector(),
  metadata: { group: i % 7, even: i % 2 === 0, ...(i % 3 === 0 ? { rank: i } : {}) },
  document: `record ${i}`,
}));
const queries = Array.from({ length: 12 }, vector);
const filters: (FilterInput | undefined)[] = [
  undefined,
  { group: { $in: [1, 4] } },
  { $or: [{ rank: { $gte: 900 } }, { even: false }] },
  { rank: { $exists: false }, group: { $ne: 3 } },
];

describe('memory, faiss (flat) and pgvector (exact) agree', () => {
  let sql: PgliteSql;
  const stores: Record<string, VectorStore> = {};

  beforeAll(async () => {
    sql = await PgliteSql.open();
    await migrate(sql, MIGRATIONS);
    stores.memory = new MemoryVectorStore();
    stores.faiss = await FaissVectorStore.open({ index: 'flat' });
    stores.pgvector = new PgvectorStore(sql, { exact: true });
    for (const store of Object.values(stores)) {
      for (const metric of ['cosine', 'l2', 'ip'] as Metric[]) {
        await store.createCollection({ name: `agree_${metric}`, dimension: DIMENSION, metric });
        await store.upsert(`agree_${metric}`, records);
      }
    }
  });
  afterAll(async () => {
    for (const store of Object.values(stores)) await store.close();
    await sql.close();
  });

  for (const metric of ['cosine', 'l2', 'ip'] as Metric[]) {
    for (const [f, filter] of filters.entries()) {
      it(`${metric}, ${filter ? `filter ${JSON.stringify(filter)}` : 'no filter'}`, async () => {
        for (const query of queries) {
          const request = { vector: query, topK: 15, filter };
          const reference = await stores.memory!.query(`agree_${metric}`, request);
          expect(reference.length).toBe(15);
          for (const name of ['faiss', 'pgvector']) {
            const results: QueryMatch[] = await stores[name]!.query(`agree_${metric}`, request);
            expect(
              results.map((r) => r.id),
              `${name}, filter ${f}`,
            ).toEqual(reference.map((r) => r.id));
            results.forEach((r, i) => {
              expect(Math.abs(r.similarity - reference[i]!.similarity)).toBeLessThan(TOLERANCE);
              expect(Math.abs(r.distance - reference[i]!.distance)).toBeLessThan(TOLERANCE);
              expect(r.metadata).toEqual(reference[i]!.metadata);
              expect(r.document).toBe(reference[i]!.document);
            });
          }
        }
      });
    }
  }
});
