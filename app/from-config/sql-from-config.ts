import type { Config } from '../config/config-schema.js';
import type { Logger } from '#core';
import { openSql, type Sql } from '#stores/sql';
import { MIGRATIONS } from '../database/schema-migrations.js';

/** Opens (and migrates) the SQL store the configuration names: DATABASE_URL, or PGlite under home. */
export function openSqlFromConfig(config: Config, logger: Logger): Promise<Sql> {
  return openSql({
    migrations: MIGRATIONS,
    databaseUrl: config.database.url,
    home: config.home,
    schema: config.database.schema,
    preparedStatements: config.database.preparedStatements,
    retryForMs: config.database.retryForMs,
    pgliteSharedBuffers: config.database.pgliteSharedBuffers,
    logger,
  });
}
