/**
 * The SQL store's one small interface, met by two drivers: `pg` (a Pool on DATABASE_URL) and
 * embedded PGlite (PostgreSQL in WASM, with pgvector). Both speak PostgreSQL, so one SQL text
 * serves both; parameters are `$1…$n`.
 */

export interface SqlResult<Row> {
  rows: Row[];
  /** Rows returned, or changed by INSERT / UPDATE / DELETE. */
  rowCount: number;
}

export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
  /** Runs a script of several statements without parameters (migrations, DDL). */
  exec(script: string): Promise<void>;
  /**
   * `COPY <table> (<columns>) FROM` the given bytes in PostgreSQL's binary COPY format, where the
   * driver can (PGlite: yes; `pg`: absent, it would need a COPY stream library). Binary rows skip
   * the server's text parsing, which dominates loading vectors (a float parsed from text each).
   */
  copyBinary?(table: string, columns: readonly string[], data: Uint8Array): Promise<void>;
}

export type SqlDriverName = 'pg' | 'pglite';

export interface Sql extends SqlExecutor {
  readonly driver: SqlDriverName;
  /** The schema this store works in (its tables, its migrations table). */
  readonly schema: string;
  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back
   * when it throws (the error is rethrown).
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Ends every connection (pg) or shuts the database down cleanly (PGlite). */
  close(): Promise<void>;
}

/** Quotes an identifier for SQL text (schema, table and index names cannot be parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Schema names this store accepts: lower-case, so quoting never changes their meaning. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
