import type { Sql } from '#stores/sql';
import type { CommandContext } from '../context.js';
import { openSqlFromConfig } from '../from-config/sql-from-config.js';

/**
 * The role of a one-shot command on the database (`migrate`, `seed`): opens (and migrates) the
 * configured SQL store, runs `work` on it, and closes it whatever `work` did.
 */
export async function withSqlStore<T>(
  { config, logger }: Pick<CommandContext, 'config' | 'logger'>,
  work: (sql: Sql) => Promise<T>,
): Promise<T> {
  const sql = await openSqlFromConfig(config, logger);
  try {
    return await work(sql);
  } finally {
    await sql.close();
  }
}
