import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../core/errors.js';
import { type Migration, migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { SQL_TARGETS, uniqueSchema } from '../../../support/sql-targets.js';

const SAMPLE: Migration[] = [
  { version: 1, name: 'widgets', up: 'CREATE TABLE widgets (id text PRIMARY KEY)' },
  {
    version: 2,
    name: 'widget_size',
    up: 'ALTER TABLE widgets ADD COLUMN size integer; INSERT INTO widgets VALUES ($$w$$, 1)',
  },
];

describe.each(SQL_TARGETS)('migrations on $name', (target) => {
  let schema: string;
  let sql: Sql;
  const extra: Sql[] = [];

  beforeEach(async () => {
    schema = uniqueSchema('migr');
    sql = await target.open(schema);
  });
  afterEach(async () => {
    await Promise.all([sql, ...extra.splice(0)].map((s) => s.close()));
    await target.cleanup(schema);
  });

  it('applies pending migrations in order and records them', async () => {
    const report = await migrate(sql, SAMPLE);
    expect(report).toEqual({
      applied: [
        { version: 1, name: 'widgets' },
        { version: 2, name: 'widget_size' },
      ],
      current: 2,
    });
    expect((await sql.query('SELECT id, size FROM widgets')).rows).toEqual([{ id: 'w', size: 1 }]);
    const { rows } = await sql.query('SELECT version, name FROM switchyard_migrations ORDER BY version');
    expect(rows).toEqual([
      { version: 1, name: 'widgets' },
      { version: 2, name: 'widget_size' },
    ]);
  });

  it('is idempotent: a second run applies nothing', async () => {
    await migrate(sql, SAMPLE);
    expect(await migrate(sql, SAMPLE)).toEqual({ applied: [], current: 2 });
    expect((await sql.query('SELECT count(*)::int AS n FROM widgets')).rows).toEqual([{ n: 1 }]);
  });

  it('applies only the new migration when one is appended', async () => {
    await migrate(sql, SAMPLE.slice(0, 1));
    const report = await migrate(sql, SAMPLE);
    expect(report.applied).toEqual([{ version: 2, name: 'widget_size' }]);
  });

  it('rolls back a failing migration entirely', async () => {
    const broken: Migration[] = [
      ...SAMPLE.slice(0, 1),
      { version: 2, name: 'broken', up: 'ALTER TABLE widgets ADD COLUMN ok integer; SELECT * FROM nowhere' },
    ];
    await expect(migrate(sql, broken)).rejects.toThrow(/nowhere/);
    // Nothing of the failed run remains: not even migration 1, which ran in the same transaction.
    const { rows } = await sql.query("SELECT to_regclass('widgets') AS t");
    expect(rows).toEqual([{ t: null }]);
    expect((await migrate(sql, SAMPLE)).applied).toHaveLength(2);
  });

  it('refuses a migration whose text changed after it was applied', async () => {
    await migrate(sql, SAMPLE);
    const edited = [{ ...SAMPLE[0]!, up: 'CREATE TABLE widgets (id integer)' }, SAMPLE[1]!];
    await expect(migrate(sql, edited)).rejects.toThrow(ConfigError);
    await expect(migrate(sql, edited)).rejects.toThrow(/migration 1 \(widgets\) was changed/);
  });

  it('refuses a schema newer than the build', async () => {
    await migrate(sql, SAMPLE);
    await expect(migrate(sql, SAMPLE.slice(0, 1))).rejects.toThrow(/newer than this build knows/);
  });

  it('refuses versions that do not increase', async () => {
    await expect(migrate(sql, [SAMPLE[1]!, SAMPLE[0]!])).rejects.toThrow(/increasing/);
  });

  it('applies each migration once when several start at the same time', async () => {
    // A slow first migration makes the runs overlap; without the advisory lock the losers
    // would fail on the migrations table's primary key or on CREATE TABLE.
    const slow: Migration[] = [
      { version: 1, name: 'slow', up: 'SELECT pg_sleep(0.3); CREATE TABLE counted (n integer)' },
      { version: 2, name: 'row', up: 'INSERT INTO counted VALUES (1)' },
    ];
    const stores = [sql];
    if (target.supportsSecondConnection) {
      for (let i = 0; i < 3; i++) {
        const other = await target.open(schema);
        extra.push(other);
        stores.push(other);
      }
    } else {
      stores.push(sql, sql);
    }
    const reports = await Promise.all(stores.map((store) => migrate(store, slow)));
    expect(reports.flatMap((r) => r.applied.map((m) => m.version)).sort()).toEqual([1, 2]);
    expect((await sql.query('SELECT count(*)::int AS n FROM counted')).rows).toEqual([{ n: 1 }]);
  });

  it("applies Switchyard's own migrations", async () => {
    const report = await migrate(sql, MIGRATIONS);
    expect(report.current).toBe(MIGRATIONS.at(-1)!.version);
    const { rows } = await sql.query("SELECT to_regclass('vector_collections')::text AS t");
    expect(rows).toEqual([{ t: 'vector_collections' }]);
  });
});
