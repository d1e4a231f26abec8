import pg from 'pg';

import { MIGRATIONS } from '../../app/database/schema-migrations.js';
import { openSql } from '../../stores/sql/open-sql.js';
import type { Sql } from '../../stores/sql/sql.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from './postgres.js';

/** True when the PostgreSQL server at TEST_DATABASE_URL answers within 2 s (tests skip, saying why, otherwise). */
export async function postgresAnswers(url: string = TEST_DATABASE_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {}); // a failed connect is reported by connect() below
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Switchyard's SQL store in a fresh schema on the test server (migrated, so the queue tables
 * exist) for a BullMqTaskQueue on BullMQ's PostgreSQL backend; `bullmqSchema()` names a fresh
 * BullMQ schema each call. `drop()` closes the store and drops every schema it handed out.
 */
export async function openPostgresQueueFixture(prefix: string): Promise<{
  sql: Sql;
  bullmqSchema(): string;
  drop(): Promise<void>;
}> {
  const schemas = [uniqueSchema(`${prefix}_sy`)];
  const sql = await openSql({ databaseUrl: TEST_DATABASE_URL, schema: schemas[0], migrations: MIGRATIONS });
  return {
    sql,
    bullmqSchema: () => {
      const schema = uniqueSchema(`${prefix}_bq`);
      schemas.push(schema);
      return schema;
    },
    drop: async () => {
      await sql.close();
      for (const schema of schemas) await dropSchema(schema);
    },
  };
}
