import { afterEach, describe, expect, it } from 'vitest';
import { PgSql } from '../../../../stores/sql/pg-sql.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../support/postgres.js';

/** The prepared statements of the session a query runs in (one connection: always the same one). */
const preparedIn = async (sql: PgSql) =>
  (
    await sql.query<{ name: string; statement: string }>(
      'SELECT name, statement FROM pg_prepared_statements WHERE $1::int = 1 ORDER BY prepare_time',
      [1],
    )
  ).rows;

describe('PgSql prepared statements on the PostgreSQL server', () => {
  const opened: Array<{ sql: PgSql; schema: string }> = [];
  const open = async (options: { preparedStatements?: boolean } = {}) => {
    const schema = uniqueSchema('pgprep');
    const sql = await new PgSql({
      connectionString: TEST_DATABASE_URL,
      schema,
      maxConnections: 1,
      ...options,
    }).open();
    opened.push({ sql, schema });
    await sql.exec('CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL)');
    return sql;
  };
  afterEach(async () => {
    for (const { sql, schema } of opened.splice(0)) {
      await sql.close();
      await dropSchema(schema);
    }
  });

  it('prepares a parameterized statement once per connection and reuses it', async () => {
    const sql = await open();
    for (let i = 1; i <= 3; i++) await sql.query('INSERT INTO items VALUES ($1, $2)', [i, `item ${i}`]);
    const prepared = await preparedIn(sql);
    expect(prepared.filter((p) => p.statement.startsWith('INSERT INTO items'))).toHaveLength(1);
    expect(prepared.every((p) => /^switchyard_\d+_\d+$/.test(p.name))).toBe(true);
    expect((await sql.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 3 }]);
  });

  it('a statement that fails while being prepared is prepared again the next time, not reused broken', async () => {
    // Parse fails (no such table yet): nothing may be left under the statement's name.
    const sql = await open();
    const text = 'SELECT label FROM later WHERE id = $1';
    await expect(sql.query(text, [1])).rejects.toThrow(/"later" does not exist/);
    await sql.exec(
      "CREATE TABLE later (id integer PRIMARY KEY, label text NOT NULL); INSERT INTO later VALUES (1, 'one')",
    );
    expect((await sql.query(text, [1])).rows).toEqual([{ label: 'one' }]);
    expect((await sql.query(text, [1])).rows).toEqual([{ label: 'one' }]);
    expect((await preparedIn(sql)).filter((p) => p.statement === text)).toHaveLength(1);
    // A statement failing while it runs (after it was prepared) leaves the store usable too.
    await sql.query('INSERT INTO items VALUES ($1, $2)', [1, 'one']);
    await expect(sql.query('INSERT INTO items VALUES ($1, $2)', [1, 'again'])).rejects.toThrow(
      /duplicate key/,
    );
    await sql.query('INSERT INTO items VALUES ($1, $2)', [2, 'two']);
    expect((await sql.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 2 }]);
  });

  it('prepares nothing with preparedStatements: false (for PgBouncer < 1.21 in transaction mode)', async () => {
    const sql = await open({ preparedStatements: false });
    for (let i = 1; i <= 3; i++) await sql.query('INSERT INTO items VALUES ($1, $2)', [i, `item ${i}`]);
    expect(await preparedIn(sql)).toEqual([]);
    expect((await sql.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 3 }]);
  });
});
