import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError, NotFoundError, UnsupportedError, ValidationError } from '../../../../core/errors.js';
import { RawPgvectorClient, type RawPgvectorConnection } from '../../../../scripts/bench/raw/pgvector.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { PgSql } from '../../../../stores/sql/pg-sql.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import { quoteIdent, type Sql } from '../../../../stores/sql/sql.js';
import { MemoryVectorStore } from '../../../../stores/vector/backends/memory/memory-vector-store.js';
import { PgvectorStore } from '../../../../stores/vector/backends/pgvector/pgvector-store.js';
import type { Metric, VectorRecord } from '../../../../stores/vector/types.js';
import { freePort } from '../../../support/free-port.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../support/postgres.js';
import { runConformance } from './conformance.js';

async function openPglite(dataDir?: string): Promise<PgliteSql> {
  const sql = await PgliteSql.open({ dataDir });
  await migrate(sql, MIGRATIONS).catch(async (error: unknown) => {
    await sql.close();
    throw error;
  });
  return sql;
}

/** A PGlite with pgvector served over the wire, so the `pg` driver meets a Postgres that has pgvector. */
async function startSocketPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  const db = await PGlite.create('memory://', { extensions: { vector } });
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 8 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

async function openPg(url: string, schema: string): Promise<PgSql> {
  const sql = await new PgSql({ connectionString: url, schema, maxConnections: 4 }).open();
  // pglite-socket ignores the startup packet's `options`, where PgSql sets search_path. Its
  // connections share PGlite's one session, so one SET holds for all of them (migrate needs it).
  await sql.query(`SET search_path TO ${quoteIdent(schema)}, public`);
  await migrate(sql, MIGRATIONS);
  return sql;
}

// Made on first open, so a run that filters this suite out leaves no directory behind.
let dataDir: string | undefined;
runConformance('pgvector on PGlite', {
  prefix: 'pgl',
  persistent: true,
  open: async () => {
    dataDir ??= mkdtempSync(join(tmpdir(), 'switchyard-pgvector-'));
    return new PgvectorStore(await openPglite(dataDir), { ownsSql: true });
  },
  cleanup: async () => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
});

let conformancePostgres: { url: string; stop(): Promise<void> } | undefined;
runConformance('pgvector on pg (pglite-socket)', {
  prefix: 'pgw',
  open: async () => {
    conformancePostgres ??= await startSocketPostgres();
    return new PgvectorStore(await openPg(conformancePostgres.url, uniqueSchema('pgv_conf')), {
      ownsSql: true,
    });
  },
  cleanup: async () => conformancePostgres?.stop(),
});

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomRecords(count: number, dimension: number, seed: number): VectorRecord[] {
  const next = seeded(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `r${i}`,
    vector: Array.from({ length: dimension }, () => next() * 2 - 1),
    metadata: { rare: i % 100 === 0, i },
  }));
}

async function tableOf(sql: Sql, collection: string): Promise<string> {
  const { rows } = await sql.query<{ table_name: string }>(
    `SELECT table_name FROM ${quoteIdent(sql.schema)}.vector_collections WHERE name = $1`,
    [collection],
  );
  return `${quoteIdent(sql.schema)}.${quoteIdent(rows[0]!.table_name)}`;
}

interface RawConnection {
  connection: RawPgvectorConnection;
  release(): Promise<void>;
}

interface Driver {
  name: string;
  open(): Promise<{ sql: Sql; raw(): Promise<RawConnection>; stop(): Promise<void> }>;
}

const DRIVERS: Driver[] = [
  {
    name: 'PGlite',
    open: async () => {
      const sql = await openPglite();
      // The raw client shares the PGlite instance; the store is idle while it runs.
      return {
        sql,
        raw: async () => ({ connection: sql.pglite, release: async () => {} }),
        stop: async () => {},
      };
    },
  },
  {
    name: 'pg (pglite-socket)',
    open: async () => {
      const { url, stop } = await startSocketPostgres();
      const sql = await openPg(url, uniqueSchema('pgv_more'));
      const raw = async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        return { connection: client, release: () => client.end() };
      };
      return { sql, raw, stop };
    },
  },
];

const OPERATORS: Record<Metric, string> = { cosine: '<=>', l2: '<->', ip: '<#>' };

describe.each(DRIVERS)('pgvector backend on $name', (driver) => {
  let sql: Sql;
  let raw: () => Promise<RawConnection>;
  let stop: (() => Promise<void>) | undefined;
  let store: PgvectorStore;
  let counter = 0;
  const name = () => `more_${(counter++).toString(36)}_${Date.now().toString(36)}`;

  beforeAll(async () => {
    ({ sql, raw, stop } = await driver.open());
    store = new PgvectorStore(sql);
  });
  afterAll(async () => {
    await sql?.close();
    await stop?.();
  });

  for (const metric of ['cosine', 'l2', 'ip'] as const) {
    it(`answers ${metric} queries from the HNSW index (ORDER BY embedding ${OPERATORS[metric]} $1 LIMIT k), and exact mode equals the reference`, async () => {
      const records = randomRecords(1000, 8, 5);
      const collection = name();
      await store.createCollection({ name: collection, dimension: 8, metric });
      await store.upsert(collection, records);
      await sql.query(`ANALYZE ${await tableOf(sql, collection)}`);
      const request = { vector: randomRecords(1, 8, 77)[0]!.vector, topK: 10 };

      // pgvector costs an index scan by ef_search: at 1,000 rows the store's default of 100 makes
      // a sequential scan cheaper (and exact), so this test uses pgvector's own default, 40.
      const indexed = new PgvectorStore(sql, { efSearch: 40 });
      const plan = await indexed.explainQuery(collection, request);
      expect(plan).toMatch(/Index Scan using "?vec_[0-9a-f]{32}_hnsw"?/);
      expect(plan).toContain(`(embedding ${OPERATORS[metric]} `);

      const exact = new PgvectorStore(sql, { exact: true });
      expect(await exact.explainQuery(collection, request)).not.toContain('Index Scan');
      const reference = new MemoryVectorStore();
      await reference.createCollection({ name: collection, dimension: 8, metric });
      await reference.upsert(collection, records);
      const expected = await reference.query(collection, request);
      const results = await exact.query(collection, request);
      expect(results.map((r) => r.id)).toEqual(expected.map((e) => e.id));
      results.forEach((r, i) => {
        expect(Math.abs(r.distance - expected[i]!.distance)).toBeLessThan(1e-4);
      });
      expect(await indexed.query(collection, request)).toHaveLength(10);
    });
  }

  it('a selective filter still returns k rows through the index (iterative scan), and fewer without it', async () => {
    const records = randomRecords(2000, 8, 9);
    const collection = name();
    await store.createCollection({ name: collection, dimension: 8, metric: 'l2' });
    await store.upsert(collection, records);
    await sql.query(`ANALYZE ${await tableOf(sql, collection)}`);
    const request = { vector: randomRecords(1, 8, 3)[0]!.vector, topK: 10, filter: { rare: true } };

    const relaxed = new PgvectorStore(sql, { efSearch: 10, iterativeScan: 'relaxed_order' });
    expect(await relaxed.explainQuery(collection, request)).toMatch(/Index Scan using/);
    const results = await relaxed.query(collection, request);
    expect(results).toHaveLength(10);
    expect(results.every((r) => r.metadata.rare === true)).toBe(true);
    const distances = results.map((r) => r.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));

    const strict = new PgvectorStore(sql, { efSearch: 10, iterativeScan: 'strict_order' });
    expect(await strict.query(collection, request)).toHaveLength(10);
    const off = new PgvectorStore(sql, { efSearch: 10, iterativeScan: 'off' });
    expect((await off.query(collection, request)).length).toBeLessThan(10);
  });

  it('writes a batch spanning several statements in one transaction: a failure writes nothing', async () => {
    const collection = name();
    await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
    await store.upsert(collection, [{ id: 'keep', vector: [1, 1], metadata: { v: 1 } }]);
    const table = await tableOf(sql, collection);
    const fn = `${quoteIdent(sql.schema)}.${quoteIdent(`reject_${collection}`)}`;
    await sql.query(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id = 'poison' THEN RAISE EXCEPTION 'poisoned record'; END IF; RETURN NEW; END $$`);
    await sql.query(
      `CREATE TRIGGER reject_poison BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    );
    // 250 records in batches of 100: the poison is in the third statement, after two succeeded.
    const batch: VectorRecord[] = Array.from({ length: 250 }, (_, i) => ({
      id: i === 230 ? 'poison' : `b${i}`,
      vector: [i, i],
    }));
    batch.push({ id: 'keep', vector: [9, 9], metadata: { v: 2 } });

    const atomic = new PgvectorStore(sql, { batchSize: 100 });
    await expect(atomic.upsert(collection, batch)).rejects.toThrow(BackendError);
    await expect(atomic.upsert(collection, batch)).rejects.toThrow(/poisoned record/);
    expect(await atomic.count(collection)).toBe(1);
    expect(await atomic.count(collection, { v: 1 })).toBe(1);

    const independent = new PgvectorStore(sql, { batchSize: 100, atomicUpserts: false, concurrency: 1 });
    await expect(independent.upsert(collection, batch)).rejects.toThrow(BackendError);
    expect(await independent.count(collection)).toBe(201);
  });

  it('SQL injection through ids, documents, metadata keys, filter paths and values is harmless', async () => {
    const collection = name();
    await store.createCollection({ name: collection, dimension: 2, metric: 'cosine' });
    const evilId = `x'); DROP TABLE vector_collections; --`;
    const evilKey = `k'); DELETE FROM vector_collections; --`;
    const nestedKey = `q"uote`;
    const innerKey = `in'ner" OR 1=1 --`;
    await store.upsert(collection, [
      {
        id: evilId,
        vector: [1, 0],
        metadata: { [evilKey]: `v'); DROP SCHEMA public CASCADE; --`, [nestedKey]: { [innerKey]: 2 } },
        document: `'; TRUNCATE vector_collections; --`,
      },
      { id: 'plain', vector: [0, 1], metadata: { other: 1 } },
    ]);
    expect(await store.count(collection, { [evilKey]: `v'); DROP SCHEMA public CASCADE; --` })).toBe(1);
    expect(await store.count(collection, { [`${nestedKey}.${innerKey}`]: { $gte: 2 } })).toBe(1);
    expect(await store.count(collection, { [evilKey]: { $ne: 'x' } })).toBe(2);
    const [hit] = await store.query(collection, {
      vector: [1, 0],
      topK: 2,
      filter: { [evilKey]: { $in: [`v'); DROP SCHEMA public CASCADE; --`, `' OR '1'='1`] } },
    });
    expect(hit).toMatchObject({ id: evilId, document: `'; TRUNCATE vector_collections; --` });
    expect(hit!.metadata[nestedKey]).toEqual({ [innerKey]: 2 });
    expect(await store.delete(collection, { ids: [evilId, `' OR '1'='1`] })).toEqual({ deleted: 1 });
    expect(await store.listCollections()).toContain(collection);
    expect(await store.count(collection)).toBe(1);
  });

  it('refuses the character U+0000, which PostgreSQL cannot store, as a ValidationError before writing', async () => {
    const collection = name();
    await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
    const bad = [
      { id: 'fine', vector: [1, 2] },
      { id: 'nul', vector: [1, 2], metadata: { deep: [{ text: 'a\u0000b' }] } },
    ];
    await expect(store.upsert(collection, bad)).rejects.toThrow(ValidationError);
    await expect(store.upsert(collection, [{ id: 'n\u0000', vector: [1, 2] }])).rejects.toThrow(/U\+0000/);
    expect(await store.count(collection)).toBe(0);
  });

  it('reports a collection whose table vanished as NotFound, not a raw SQL error', async () => {
    const collection = name();
    await store.createCollection({ name: collection, dimension: 2, metric: 'l2' });
    await sql.query(`DROP TABLE ${await tableOf(sql, collection)}`);
    await expect(store.query(collection, { vector: [1, 2], topK: 1 })).rejects.toThrow(NotFoundError);
    await expect(store.count(collection)).rejects.toThrow(NotFoundError);
  });

  it('detects the pgvector version once per store', async () => {
    let detections = 0;
    const counting: Sql = {
      driver: sql.driver,
      schema: sql.schema,
      query: (text, params) => {
        if (text.includes('pg_extension')) detections++;
        return sql.query(text, params);
      },
      exec: (script) => sql.exec(script),
      transaction: (work) => sql.transaction(work),
      close: async () => {},
    };
    const watched = new PgvectorStore(counting);
    const collection = name();
    await watched.createCollection({ name: collection, dimension: 2, metric: 'ip' });
    await watched.upsert(collection, [{ id: 'a', vector: [1, 2] }]);
    for (let i = 0; i < 3; i++) await watched.query(collection, { vector: [1, 1], topK: 1 });
    expect(detections).toBe(1);
  });

  it('searches a collection above 2,000 dimensions (beyond HNSW) exactly, without an index', async () => {
    const collection = name();
    await store.createCollection({ name: collection, dimension: 2001, metric: 'cosine' });
    const records = randomRecords(3, 2001, 17);
    await store.upsert(collection, records);
    const request = { vector: records[1]!.vector, topK: 2 };
    expect(await store.explainQuery(collection, request)).not.toContain('Index Scan');
    const [top] = await store.query(collection, request);
    expect(top).toMatchObject({ id: 'r1' });
    expect(top!.similarity).toBeCloseTo(1, 4);
  });

  it('refuses invalid options, naming the option', () => {
    expect(() => new PgvectorStore(sql, { efSearch: 0 })).toThrow(/efSearch/);
    expect(() => new PgvectorStore(sql, { iterativeScan: 'loose' as never })).toThrow(/iterativeScan/);
    expect(() => new PgvectorStore(sql, { hnswM: 16, hnswEfConstruction: 8 })).toThrow(/hnswEfConstruction/);
  });

  it('the raw benchmark client does the same search with plain SQL', async () => {
    const records = randomRecords(300, 4, 13);
    const collection = name();
    await store.createCollection({ name: collection, dimension: 4, metric: 'cosine' });
    await store.upsert(collection, records);
    const { connection, release } = await raw();
    const rawClient = new RawPgvectorClient(connection, { schema: sql.schema, release });
    await rawClient.create(collection.replaceAll('-', '_'), 4, 'cosine');
    await rawClient.upsert(records.map((r) => ({ id: r.id, vector: r.vector, metadata: r.metadata ?? {} })));
    const query = randomRecords(1, 4, 1)[0]!.vector;
    const expected = (await store.query(collection, { vector: query, topK: 5 })).map((r) => r.id);
    expect(await rawClient.query(query, 5)).toEqual(expected);
    await rawClient.close();
  });
});

describe('pgvector on a PostgreSQL server without the extension (127.0.0.1:5432)', () => {
  const schema = uniqueSchema('pgv_missing');
  let sql: PgSql | undefined;
  beforeAll(async () => {
    sql = await new PgSql({ connectionString: TEST_DATABASE_URL, schema }).open();
    await migrate(sql, MIGRATIONS);
  });
  afterAll(async () => {
    await sql?.close();
    await dropSchema(schema);
  });

  it('creating a collection fails with an UnsupportedError that says pgvector is missing and how to get it', async (context) => {
    const available = await sql!.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`);
    if (available.rows.length > 0) context.skip('this PostgreSQL server has pgvector');
    const store = new PgvectorStore(sql!);
    const attempt = store.createCollection({ name: 'no-vectors', dimension: 3, metric: 'cosine' });
    await expect(attempt).rejects.toThrow(UnsupportedError);
    await expect(attempt).rejects.toThrow(/server lacks the pgvector extension/);
    await expect(attempt).rejects.toThrow(/postgresql-\d+-pgvector package/);
    await expect(attempt).rejects.toThrow(/pgvector\/pgvector:pg\d+ Docker image/);
    expect(await store.listCollections()).toEqual([]);
    await expect(store.describeCollection('no-vectors')).rejects.toThrow(NotFoundError);
  });
});
