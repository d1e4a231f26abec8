import { randomBytes } from 'node:crypto';
import type { SqlExecutor } from '../../../sql/sql.js';
import type { Metric, VectorRecord } from '../../types.js';
import { COPY_COLUMNS, copyBinaryRows } from './copy-binary-rows.js';
import { upsertParams } from './pgvector-rows.js';
import { createIndexText, createTableText, qualify, upsertText } from './sql-text.js';

/**
 * The bulk path of an upsert into an empty or small collection, as pgvector's documentation says
 * to load data: rows first, the HNSW index once at the end. Inserting row by row into an HNSW
 * index costs a graph search and neighbour-page updates per row (about 160 rows/s at 384
 * dimensions on PGlite); building the index over loaded rows does the same work in memory.
 * Rows go in by binary COPY where the driver allows it.
 *
 * The collection's rows move to a new table, which gets the index, then the catalog points at it
 * and the old table is dropped, all in the caller's transaction:
 * - a crash or an error at any step rolls everything back (PostgreSQL's DDL is transactional), so
 *   the collection keeps its old table, index and rows, and no half-built table is left behind;
 * - on a PostgreSQL server, readers go on answering from the old table and its index while the
 *   load runs (the EXCLUSIVE lock blocks writers only); a reader that reaches the old table as it
 *   is dropped gets "relation does not exist" and the store runs its statement again, against
 *   the new table (PgvectorStore.run). On PGlite (one connection) readers wait for the commit.
 */

export interface BulkLoadTarget {
  schema: string;
  /** The collection's current table, qualified and unqualified (from the catalog). */
  table: string;
  tableName: string;
  catalogTable: string;
  collection: string;
  dimension: number;
  metric: Metric;
}

export interface BulkLoadSettings {
  batchSize: number;
  hnsw: { m: number; efConstruction: number };
  /** `maintenance_work_mem` for the index build: a graph that fits builds in memory. */
  maintenanceWorkMem: string;
}

/**
 * Takes the collection's write lock and returns its row count; the caller decides with it
 * whether {@link rebuildWithRecords} pays (the collection is small next to the records).
 */
export async function lockForWrites(tx: SqlExecutor, table: string): Promise<number> {
  // EXCLUSIVE conflicts with every write lock but not with SELECT's ACCESS SHARE.
  await tx.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
  const { rows } = await tx.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n ?? 0);
}

/** Rows per binary COPY statement: bounds the bytes held at once (about 1.6 kB per 384-d row). */
const COPY_CHUNK = 10_000;

/**
 * Binary COPY where the driver has it (PGlite), which skips parsing every component from text
 * (about 9x faster there); batched INSERTs otherwise. The table is new and `records` has no
 * duplicate ids (validateRecords), so nothing conflicts.
 */
async function loadRecords(
  tx: SqlExecutor,
  table: string,
  records: readonly VectorRecord[],
  dimension: number,
  batchSize: number,
): Promise<void> {
  if (tx.copyBinary) {
    for (let offset = 0; offset < records.length; offset += COPY_CHUNK) {
      const chunk = records.slice(offset, offset + COPY_CHUNK);
      await tx.copyBinary(table, COPY_COLUMNS, copyBinaryRows(chunk, dimension));
    }
    return;
  }
  const text = upsertText(table);
  for (let offset = 0; offset < records.length; offset += batchSize) {
    await tx.query(text, upsertParams(records.slice(offset, offset + batchSize)));
  }
}

/** Moves the collection to a new table holding its rows plus `records`, indexed once. */
export async function rebuildWithRecords(
  tx: SqlExecutor,
  target: BulkLoadTarget,
  records: readonly VectorRecord[],
  settings: BulkLoadSettings,
): Promise<void> {
  const { schema, table, tableName, catalogTable, collection, dimension, metric } = target;
  // A fresh suffix per load: the old and new tables (and their indexes) coexist until the commit.
  // `vec_` + 32 hex digits (tableNameFor) + `_` + 8: 45 bytes, 50 with the index's `_hnsw`.
  const newName = `${tableName.slice(0, 36)}_${randomBytes(4).toString('hex')}`;
  const newTable = qualify(schema, newName);
  await tx.query(createTableText(newTable, dimension));
  await loadRecords(tx, newTable, records, dimension, settings.batchSize);
  // The collection's rows after the new ones: a record given here replaces a row of the same id.
  await tx.query(`INSERT INTO ${newTable} (id, embedding, metadata, document)
    SELECT id, embedding, metadata, document FROM ${table} ON CONFLICT (id) DO NOTHING`);
  await tx.query(`SELECT set_config('maintenance_work_mem', $1, true)`, [settings.maintenanceWorkMem]);
  await tx.query(createIndexText(schema, newName, metric, settings.hnsw));
  // Statistics for the planner now, not at autovacuum's leisure (PGlite runs no autovacuum): a
  // fresh table's guessed size can make it prefer a sequential scan over the new index.
  await tx.query(`ANALYZE ${newTable}`);
  await tx.query(`UPDATE ${catalogTable} SET table_name = $2 WHERE name = $1`, [collection, newName]);
  await tx.query(`DROP TABLE ${table}`);
}
