import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgSql, type PgSqlOptions } from '../../../../stores/sql/pg-sql.js';
import { captureLogger } from '../../../support/capture-logger.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../support/postgres.js';

// Statements whose connection the server ends (pg_terminate_backend: what a restart or a failover
// does to every connection) are retried by PgSql and succeed, without the caller seeing the error;
// a transaction is run again whole; nothing is applied twice. The fault is real: the backend
// running the statement is terminated from another connection. Only this test's own connections
// are terminated (application_name), never the shared server.

const schema = uniqueSchema('transient');
const application = `switchyard-transient-${process.pid}`;

let admin: pg.Client;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await dropSchema(schema);
});

/** A PgSql on the shared server whose connections this test may terminate (its application_name). */
function openTestSql(options: Pick<PgSqlOptions, 'logger'> = {}): Promise<PgSql> {
  return new PgSql({
    connectionString: TEST_DATABASE_URL,
    schema,
    applicationName: application,
    ...options,
  }).open();
}

/** Terminates this test's backends that run a statement matching `pattern`, once one appears. */
async function terminateWhenRunning(pattern: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await admin.query<{ terminated: boolean }>(
      `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
       WHERE application_name = $1 AND state = 'active' AND query LIKE $2`,
      [application, pattern],
    );
    if (rows.length > 0) return rows.length;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no statement like ${pattern} ran`);
}

describe('PgSql under a terminated connection', { timeout: 60_000 }, () => {
  it('retries a statement the server aborted (57P01), and the caller gets its answer', async () => {
    const { logger, lines } = captureLogger();
    const sql = await openTestSql({ logger });
    try {
      const answer = sql.query<{ n: number }>('SELECT 7 AS n, pg_sleep(1.5) AS slept');
      expect(await terminateWhenRunning('%pg_sleep(1.5)%')).toBe(1);
      expect((await answer).rows[0]!.n).toBe(7);
      expect(lines.some((line) => /retrying until the server answers/.test(String(line.msg)))).toBe(true);
    } finally {
      await sql.close();
    }
  });

  it('runs a terminated transaction again whole: its rows land once', async () => {
    const sql = await openTestSql();
    try {
      await sql.query('CREATE TABLE IF NOT EXISTS once (id int PRIMARY KEY)');
      let runs = 0;
      const done = sql.transaction(async (tx) => {
        runs += 1;
        await tx.query('INSERT INTO once (id) VALUES (1)');
        await tx.query('SELECT pg_sleep(1.2) AS inside_tx');
      });
      await terminateWhenRunning('%inside_tx%');
      await done;
      expect(runs).toBe(2);
      expect((await sql.query('SELECT id FROM once')).rows).toEqual([{ id: 1 }]);
    } finally {
      await sql.close();
    }
  });

  it('runs a transaction again whose connection ended just before COMMIT: COMMIT was never sent', async () => {
    const sql = await openTestSql();
    try {
      await sql.query('CREATE TABLE IF NOT EXISTS before_commit (id int PRIMARY KEY)');
      let runs = 0;
      await sql.transaction(async (tx) => {
        runs += 1;
        await tx.query('INSERT INTO before_commit (id) VALUES (1)');
        if (runs > 1) return;
        // The session ends while the transaction idles between its last statement and COMMIT
        // (what a restart does to a transaction that is busy in the application), and the
        // client hears of it before it sends COMMIT.
        const { rows } = await admin.query<{ terminated: boolean }>(
          `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
           WHERE application_name = $1 AND state = 'idle in transaction'`,
          [application],
        );
        expect(rows).toHaveLength(1);
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      expect(runs).toBe(2);
      expect((await sql.query('SELECT id FROM before_commit')).rows).toEqual([{ id: 1 }]);
    } finally {
      await sql.close();
    }
  });

  it('gives up after retryForMs with the error, and never retries a failure of the statement itself', async () => {
    const sql = await new PgSql({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      retryForMs: 300,
    });
    const started = Date.now();
    await expect(sql.query('SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await sql.close();

    const real = await openTestSql();
    try {
      const begun = Date.now();
      await expect(real.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
      expect(Date.now() - begun).toBeLessThan(1_000);
    } finally {
      await real.close();
    }
  });
});
