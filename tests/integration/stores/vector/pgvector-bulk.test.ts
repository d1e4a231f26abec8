import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql, SqlExecutor } from '../../../../stores/sql/sql.js';
import { MemoryVectorStore } from '../../../../stores/vector/backends/memory/memory-vector-store.js';
import { PgvectorStore } from '../../../../stores/vector/backends/pgvector/pgvector-store.js';
import type { VectorRecord } from '../../../../stores/vector/types.js';
import { DimensionMismatchError } from '../../../../stores/vector/vector-errors.js';

/**
 * The pgvector bulk path (pgvector-bulk-load.ts) on embedded PGlite: an upsert of at least
 * `bulkLoadMin` records into an empty or small collection loads the rows by binary COPY into a
 * new table, builds the HNSW index once, and swaps the catalog to it in one transaction.
 */

const DIM = 16;
const BULK_MIN = 200;

/** Seeded clustered vectors, so HNSW recall is meaningful and the run repeatable. */
function records(count: number, prefix: string, seed = 1): VectorRecord[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
  const centers = Array.from({ length: 8 }, () => Array.from({ length: DIM }, random));
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    vector: centers[i % 8]!.map((c) => c + random() * 0.3),
    metadata: { i, prefix },
    document: i % 3 === 0 ? `doc ${i}` : undefined,
  }));
}

async function tableOf(sql: Sql, collection: string): Promise<string> {
  const { rows } = await sql.query<{ table_name: string }>(
    'SELECT table_name FROM vector_collections WHERE name = $1',
    [collection],
  );
  return rows[0]!.table_name;
}

async function indexesOf(sql: Sql, table: string): Promise<string[]> {
  const { rows } = await sql.query<{ indexdef: string }>(
    'SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1',
    [table],
  );
  return rows.map((row) => row.indexdef);
}

describe('pgvector bulk load on PGlite', { timeout: 120_000 }, () => {
  let sql: PgliteSql;
  let store: PgvectorStore;
  beforeAll(async () => {
    sql = await PgliteSql.open();
    await migrate(sql, MIGRATIONS);
    store = new PgvectorStore(sql, { bulkLoadMin: BULK_MIN });
  });
  afterAll(async () => {
    await sql.close();
  });

  it('loads an empty collection, builds its HNSW index once and answers like exact search', async () => {
    await store.createCollection({ name: 'bulk-empty', dimension: DIM, metric: 'cosine' });
    const before = await tableOf(sql, 'bulk-empty');
    const data = records(1500, 'a');
    expect(await store.upsert('bulk-empty', data)).toEqual({ upserted: 1500 });

    const after = await tableOf(sql, 'bulk-empty');
    expect(after).not.toBe(before); // the bulk path ran: the rows moved to a new table
    expect(await indexesOf(sql, before)).toEqual([]); // the old table is gone
    const indexes = await indexesOf(sql, after);
    expect(indexes.some((def) => /USING hnsw \(embedding vector_cosine_ops\)/.test(def))).toBe(true);
    expect(await store.count('bulk-empty')).toBe(1500);

    const exact = new MemoryVectorStore();
    await exact.createCollection({ name: 'bulk-empty', dimension: DIM, metric: 'cosine' });
    await exact.upsert('bulk-empty', data);
    let found = 0;
    const queries = records(40, 'q', 7);
    for (const q of queries) {
      const want = new Set(
        (await exact.query('bulk-empty', { vector: q.vector, topK: 10 })).map((m) => m.id),
      );
      const got = await store.query('bulk-empty', { vector: q.vector, topK: 10 });
      found += got.filter((m) => want.has(m.id)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    // Metadata and documents came through the binary COPY intact.
    const [first] = await store.query('bulk-empty', {
      vector: data[3]!.vector,
      topK: 1,
      includeVectors: true,
    });
    expect(first).toMatchObject({ id: 'a3', metadata: { i: 3, prefix: 'a' }, document: 'doc 3' });
    data[3]!.vector.forEach((x, d) => expect(first!.vector![d]).toBeCloseTo(x, 5));
  });

  it('keeps the rows of a small collection and replaces those the load gives again', async () => {
    await store.createCollection({ name: 'bulk-small', dimension: DIM, metric: 'l2' });
    await store.upsert('bulk-small', records(50, 'old'));
    const before = await tableOf(sql, 'bulk-small');
    const again = records(300, 'old', 3).map((r) => ({ ...r, metadata: { replaced: true } }));
    await store.upsert('bulk-small', again);
    expect(await tableOf(sql, 'bulk-small')).not.toBe(before);
    expect(await store.count('bulk-small')).toBe(300); // ids old0..old49 replaced, not duplicated
    expect(await store.count('bulk-small', { replaced: true })).toBe(300);
    const hit = await store.query('bulk-small', { vector: again[10]!.vector, topK: 1 });
    expect(hit[0]).toMatchObject({ id: 'old10', metadata: { replaced: true } });
  });

  it('inserts into a collection larger than the load without rebuilding it', async () => {
    await store.createCollection({ name: 'bulk-large', dimension: DIM, metric: 'cosine' });
    await store.upsert('bulk-large', records(600, 'x'));
    const table = await tableOf(sql, 'bulk-large');
    await store.upsert('bulk-large', records(250, 'y'));
    expect(await tableOf(sql, 'bulk-large')).toBe(table);
    expect(await store.count('bulk-large')).toBe(850);
  });

  it('refuses records of the wrong dimension and writes nothing', async () => {
    await store.createCollection({ name: 'bulk-dim', dimension: DIM, metric: 'cosine' });
    const table = await tableOf(sql, 'bulk-dim');
    const data = records(400, 'd');
    data[399] = { id: 'bad', vector: [1, 2, 3] };
    await expect(store.upsert('bulk-dim', data)).rejects.toThrow(DimensionMismatchError);
    await expect(store.upsert('bulk-dim', data)).rejects.toThrow(/dimension 16, received 3/);
    expect(await store.count('bulk-dim')).toBe(0);
    expect(await tableOf(sql, 'bulk-dim')).toBe(table);
  });

  it('leaves the collection as it was when the load fails part-way', async () => {
    await store.createCollection({ name: 'bulk-crash', dimension: DIM, metric: 'cosine' });
    await store.upsert('bulk-crash', records(20, 'keep'));
    const table = await tableOf(sql, 'bulk-crash');
    // The real PGlite, except that the second COPY of a load fails, as a crash mid-load would.
    let copies = 0;
    const failing: Sql = {
      driver: sql.driver,
      schema: sql.schema,
      query: (text, params) => sql.query(text, params),
      exec: (script) => sql.exec(script),
      close: () => Promise.resolve(),
      transaction: (work) =>
        sql.transaction((tx) =>
          work({
            ...tx,
            query: (text, params) => tx.query(text, params),
            exec: (script) => tx.exec(script),
            copyBinary: async (target, columns, data) => {
              if (++copies === 2) throw new Error('the process died here');
              await tx.copyBinary!(target, columns, data);
            },
          } satisfies SqlExecutor),
        ),
    };
    const crashing = new PgvectorStore(failing, { bulkLoadMin: BULK_MIN });
    await expect(crashing.upsert('bulk-crash', records(12_000, 'n'))).rejects.toThrow(
      /the process died here/,
    );
    expect(copies).toBe(2);
    expect(await tableOf(sql, 'bulk-crash')).toBe(table);
    expect(await store.count('bulk-crash')).toBe(20);
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1`,
      [`${table.slice(0, 36)}%`],
    );
    expect(rows[0]!.n).toBe(1); // no half-built table left
    expect((await store.query('bulk-crash', { vector: records(1, 'keep')[0]!.vector, topK: 1 }))[0]!.id).toBe(
      'keep0',
    );
  });

  it('answers a query sent during a load from a whole collection, before or after it', async () => {
    await store.createCollection({ name: 'bulk-read', dimension: DIM, metric: 'cosine' });
    const first = records(30, 'r');
    await store.upsert('bulk-read', first);
    const load = store.upsert('bulk-read', records(2000, 's'));
    const reads = await Promise.all(
      Array.from({ length: 5 }, () => store.count('bulk-read')).concat(
        store.query('bulk-read', { vector: first[0]!.vector, topK: 1 }).then((m) => m.length),
      ),
    );
    await load;
    for (const n of reads.slice(0, 5)) expect([30, 2030]).toContain(n);
    expect(reads[5]).toBe(1);
    expect(await store.count('bulk-read')).toBe(2030);
  });
});
