import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sql } from '../../../../stores/sql/sql.js';
import { SQL_TARGETS, uniqueSchema } from '../../../support/sql-targets.js';

describe.each(SQL_TARGETS)('the $name driver', (target) => {
  let schema: string;
  let sql: Sql;

  beforeEach(async () => {
    schema = uniqueSchema('sqldrv');
    sql = await target.open(schema);
    await sql.query('CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL)');
  });
  afterEach(async () => {
    await sql.close();
    await target.cleanup(schema);
  });

  it('runs parameterized queries and reports rows and row counts', async () => {
    const inserted = await sql.query('INSERT INTO items VALUES ($1, $2), ($3, $4)', [
      1,
      'one',
      2,
      "two'; DROP TABLE items; --",
    ]);
    expect(inserted.rowCount).toBe(2);
    const { rows } = await sql.query<{ id: number; label: string }>(
      'SELECT id, label FROM items WHERE id = ANY($1) ORDER BY id',
      [[1, 2]],
    );
    expect(rows).toEqual([
      { id: 1, label: 'one' },
      { id: 2, label: "two'; DROP TABLE items; --" },
    ]);
    expect((await sql.query('UPDATE items SET label = $1', ['x'])).rowCount).toBe(2);
  });

  it('works in its own schema', async () => {
    const { rows } = await sql.query<{ schema: string }>('SELECT current_schema() AS schema');
    expect(rows[0]!.schema).toBe(schema);
    expect(sql.schema).toBe(schema);
  });

  it('commits a transaction that resolves', async () => {
    const value = await sql.transaction(async (tx) => {
      await tx.query('INSERT INTO items VALUES (1, $1)', ['kept']);
      return 'done';
    });
    expect(value).toBe('done');
    expect((await sql.query('SELECT label FROM items')).rows).toEqual([{ label: 'kept' }]);
  });

  it('rolls back a transaction that throws and rethrows its error', async () => {
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO items VALUES (1, $1)', ['lost']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO items VALUES (2, $1)', ['lost too']);
        await tx.query('INSERT INTO items VALUES (2, $1)', ['duplicate key']);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await sql.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 0 }]);
    // The store is still usable after a failed transaction.
    await sql.query('INSERT INTO items VALUES (3, $1)', ['after']);
    expect((await sql.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 1 }]);
  });

  it('surfaces SQL errors with the database message', async () => {
    await expect(sql.query('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
  });
});
