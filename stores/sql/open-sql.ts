import { join } from 'node:path';
import { type Logger, silentLogger } from '#core';
import { type Migration, migrate } from './migrate.js';
import { PgSql } from './pg-sql.js';
import { PgliteSql } from './pglite-sql.js';
import type { Sql } from './sql.js';

export interface OpenSqlOptions {
  /**
   * The schema to bring the database up to, in version order. Each owner of tables declares its
   * own migrations next to its code; the composition root assembles them (app/database), since
   * this layer knows none of the tables above it.
   */
  migrations: readonly Migration[];
  /** A PostgreSQL URL; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Where PGlite keeps its data (`<home>/pgdata`); absent means in memory. */
  home?: string;
  /** @defaultValue 'public' */
  schema?: string;
  /** PostgreSQL only: see PgSqlOptions.preparedStatements. @defaultValue true */
  preparedStatements?: boolean;
  /** PostgreSQL only: see PgSqlOptions.retryForMs. @defaultValue 120000 */
  retryForMs?: number;
  /** PGlite only: see PgliteSqlOptions.sharedBuffers. @defaultValue '16MB' */
  pgliteSharedBuffers?: string;
  logger?: Logger;
}

/** Opens the configured SQL store and brings its schema up to date. */
export async function openSql(options: OpenSqlOptions): Promise<Sql> {
  const {
    migrations,
    databaseUrl,
    home,
    schema,
    preparedStatements,
    retryForMs,
    pgliteSharedBuffers,
    logger = silentLogger,
  } = options;
  const sql: Sql = databaseUrl
    ? await new PgSql({
        connectionString: databaseUrl,
        schema,
        logger,
        ...(preparedStatements !== undefined ? { preparedStatements } : {}),
        ...(retryForMs !== undefined ? { retryForMs } : {}),
      }).open()
    : await PgliteSql.open({
        dataDir: home ? join(home, 'pgdata') : undefined,
        schema,
        sharedBuffers: pgliteSharedBuffers,
      });
  try {
    await migrate(sql, migrations, logger);
  } catch (error) {
    await sql.close();
    throw error;
  }
  logger.debug({ driver: sql.driver, schema: sql.schema }, 'sql store open');
  return sql;
}
