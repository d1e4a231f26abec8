import { UnsupportedError, type Logger } from '#core';
import type { Sql, SqlExecutor } from '../../../sql/sql.js';

/** The installed pgvector version (`0.8.7`), or null when the extension is not installed. */
export async function detectPgvectorVersion(executor: SqlExecutor): Promise<string | null> {
  const { rows } = await executor.query<{ extversion: string }>(
    `SELECT extversion FROM pg_extension WHERE extname = 'vector'`,
  );
  return rows[0]?.extversion ?? null;
}

/** `hnsw.iterative_scan` exists from pgvector 0.8.0 on. */
export function supportsIterativeScan(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return major > 0 || minor >= 8;
}

/**
 * Installs pgvector when the server has it and it is not installed yet, and returns its version.
 * A server without the extension gets an UnsupportedError that says how to get it, not the raw
 * `extension "vector" is not available`.
 */
export async function ensurePgvector(sql: Sql, logger: Logger): Promise<string> {
  const installed = await detectPgvectorVersion(sql);
  if (installed) return installed;
  const available = await sql.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`);
  if (available.rows.length === 0)
    throw new UnsupportedError(await missingMessage(sql), { extension: 'vector' });
  try {
    await sql.transaction(async (tx) => {
      // Two processes creating the first collection at once would race on pg_extension's unique name.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('switchyard:pgvector:create-extension'))`);
      // In public, not the store's schema: dropping one store's schema must not drop the type that
      // the tables of every other schema use. search_path always ends with public (see PgSql).
      await tx.query('CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public');
    });
  } catch (error) {
    throw new UnsupportedError(
      `pgvector: the PostgreSQL server has the pgvector extension but it could not be installed in this database (${error instanceof Error ? error.message : String(error)}); ask a superuser to run CREATE EXTENSION vector WITH SCHEMA public`,
      { extension: 'vector' },
    );
  }
  const version = await detectPgvectorVersion(sql);
  if (!version)
    throw new UnsupportedError(
      'pgvector: CREATE EXTENSION vector succeeded but the extension is not visible',
    );
  logger.info({ version, schema: sql.schema }, 'pgvector extension created');
  return version;
}

async function missingMessage(sql: Sql): Promise<string> {
  const { rows } = await sql.query<{ major: number }>(
    `SELECT current_setting('server_version_num')::int / 10000 AS major`,
  );
  const major = rows[0]?.major ?? 'NN';
  return (
    `pgvector: the PostgreSQL ${major} server lacks the pgvector extension, which vector collections need. ` +
    `Install it on the server: the postgresql-${major}-pgvector package (apt, from the PGDG repository apt.postgresql.org), ` +
    `or run PostgreSQL from the pgvector/pgvector:pg${major} Docker image (as the compose cluster does); ` +
    `or unset DATABASE_URL to use the embedded PGlite store, which ships pgvector.`
  );
}
