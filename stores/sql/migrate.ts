import { createHash } from 'node:crypto';
import { ConfigError, type Logger, silentLogger } from '#core';
import type { Sql } from './sql.js';

export interface Migration {
  /** Increasing integer; the order migrations apply in. Never reuse or renumber a shipped one. */
  version: number;
  name: string;
  /** SQL run in the migration's transaction; may hold several statements. */
  up: string;
}

export interface MigrationReport {
  applied: { version: number; name: string }[];
  current: number;
}

const TABLE = 'switchyard_migrations';

/**
 * Applies the pending migrations in one transaction under a transaction-scoped advisory lock, so
 * two processes starting at once apply each migration exactly once: the second waits for the lock,
 * then finds nothing pending. Idempotent. A shipped migration whose text changed is refused
 * (its checksum no longer matches), since the database was built from the old text.
 */
export async function migrate(
  sql: Sql,
  migrations: readonly Migration[],
  logger: Logger = silentLogger,
): Promise<MigrationReport> {
  assertWellFormed(migrations);
  return sql.transaction(async (tx) => {
    // Keyed by schema, so tests in separate schemas do not wait on each other.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`switchyard:migrate:${sql.schema}`]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (
         version integer PRIMARY KEY,
         name text NOT NULL,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await tx.query<{ version: number; name: string; checksum: string }>(
      `SELECT version, name, checksum FROM ${TABLE} ORDER BY version`,
    );
    const done = new Map(rows.map((row) => [row.version, row]));
    for (const migration of migrations) {
      const row = done.get(migration.version);
      if (row && row.checksum !== migrationChecksum(migration)) {
        throw new ConfigError(
          `migration ${migration.version} (${migration.name}) was changed after it was applied to schema '${sql.schema}'; add a new migration instead`,
          { version: migration.version },
        );
      }
    }
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...done.keys());
    if (newest > known) {
      throw new ConfigError(
        `schema '${sql.schema}' is at migration ${newest}, newer than this build knows (${known}); upgrade Switchyard`,
        { newest, known },
      );
    }
    const applied: MigrationReport['applied'] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.up);
      await tx.query(`INSERT INTO ${TABLE} (version, name, checksum) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        migrationChecksum(migration),
      ]);
      applied.push({ version: migration.version, name: migration.name });
      logger.info(
        { version: migration.version, migration: migration.name, schema: sql.schema },
        'migration applied',
      );
    }
    return { applied, current: Math.max(newest, ...applied.map((m) => m.version)) };
  });
}

/**
 * What switchyard_migrations records of a migration's text, and compares at every start: a
 * migration moved between files keeps its checksum as long as its `up` text is byte-identical.
 */
export function migrationChecksum(migration: Migration): string {
  return createHash('sha256').update(migration.up).digest('hex').slice(0, 16);
}

function assertWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    const previous = migrations[index - 1];
    if (
      !Number.isInteger(migration.version) ||
      migration.version < 1 ||
      (previous && migration.version <= previous.version)
    ) {
      throw new ConfigError(
        `migration versions must be increasing positive integers; see '${migration.name}'`,
      );
    }
  });
}
