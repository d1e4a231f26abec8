import { BackendError, NotFoundError, SwitchyardError } from '#core';
import type { SqlExecutor } from '../../../sql/sql.js';
import type { CollectionSpec, Metric } from '../../types.js';
import { assertCollectionName } from '../../validate.js';
import { CATALOG_TABLE, qualify } from './sql-text.js';

/**
 * The `vector_collections` catalog of one schema: which table holds a collection, and its
 * dimension and metric. Read on every call (no cache), so processes sharing a database agree.
 */

export interface CatalogEntry {
  spec: CollectionSpec;
  /** The qualified table name, ready for SQL text. */
  table: string;
  /** The table's own name, unqualified (a bulk load names the table that replaces it after it). */
  tableName: string;
}

/** A run-time setting for the current transaction: `set_config(name, value, is_local => true)`. */
export type Setting = readonly [name: string, value: string];

export class PgvectorCatalog {
  /** The qualified catalog table. */
  readonly table: string;

  constructor(readonly schema: string) {
    this.table = qualify(schema, CATALOG_TABLE);
  }

  /**
   * Looks a collection up; `settings` ride along as set_config calls in the same statement, so a
   * query pays no extra round trip for its SET LOCAL values.
   */
  async find(
    executor: SqlExecutor,
    name: string,
    settings: readonly Setting[] = [],
  ): Promise<CatalogEntry | null> {
    assertCollectionName(name);
    const setConfig = settings.map((_, i) => `, set_config($${2 + 2 * i}, $${3 + 2 * i}, true)`).join('');
    const { rows } = await executor.query<{ dimension: number; metric: Metric; table_name: string }>(
      `SELECT dimension, metric, table_name${setConfig} FROM ${this.table} WHERE name = $1`,
      [name, ...settings.flat()],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      spec: { name, dimension: Number(row.dimension), metric: row.metric },
      table: qualify(this.schema, row.table_name),
      tableName: row.table_name,
    };
  }

  /** {@link find}, or NotFoundError. */
  async get(executor: SqlExecutor, name: string, settings: readonly Setting[] = []): Promise<CatalogEntry> {
    const entry = await this.find(executor, name, settings);
    if (!entry) throw new NotFoundError('collection', name);
    return entry;
  }

  /** Serializes create/drop of one name across processes (the lock ends with the transaction). */
  async lock(tx: SqlExecutor, name: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `switchyard:pgvector:${this.schema}:${name}`,
    ]);
  }

  /** "relation does not exist" on a collection's table (not the catalog's). */
  isTableReplaced(error: unknown): boolean {
    if ((error as { code?: unknown } | null)?.code !== '42P01') return false;
    return !(error instanceof Error && error.message.includes(CATALOG_TABLE));
  }

  /**
   * Maps a failure to the contract's errors: ours pass through; a collection table dropped under
   * us is NotFound; a missing catalog says how to get one; anything else is a BackendError.
   */
  toError(error: unknown, collection: string | null): Error {
    if (error instanceof SwitchyardError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const undefinedTable = (error as { code?: unknown } | null)?.code === '42P01';
    if (undefinedTable && message.includes(CATALOG_TABLE)) {
      return new BackendError(
        'pgvector',
        `the ${CATALOG_TABLE} catalog is missing in schema '${this.schema}': open the Sql with openSql() so migrations run (${message})`,
        error,
      );
    }
    if (undefinedTable && collection !== null) return new NotFoundError('collection', collection);
    return new BackendError(
      'pgvector',
      collection ? `collection '${collection}': ${message}` : message,
      error,
    );
  }
}

export async function countRows(
  executor: SqlExecutor,
  table: string,
  where = 'TRUE',
  params: readonly string[] = [],
): Promise<number> {
  const { rows } = await executor.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM ${table} WHERE ${where}`,
    params,
  );
  // count(*) is bigint: a string from pg, a number from PGlite.
  return Number(rows[0]?.n ?? 0);
}
