import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { ValidationError } from '#core';
import { DirectoryLock } from '../directory-lock.js';
import { initializePgliteDataDir } from './pglite-init.js';
import { quoteIdent, SCHEMA_NAME, type Sql, type SqlExecutor, type SqlResult } from './sql.js';

export interface PgliteSqlOptions {
  /** A directory for a persistent database, or undefined for one in memory (tests). */
  dataDir?: string;
  /** @defaultValue 'public' */
  schema?: string;
  /**
   * PostgreSQL's `shared_buffers`: its page cache, allocated whole inside the WASM memory at
   * start, so it is resident from the first query. PostgreSQL's own default (128MB) is sized for a
   * server; the embedded store defaults to 16MB, which halves an idle process's RSS. Pages that
   * miss it are read from the operating system's file cache. A size with a unit: `8MB`, `512kB`.
   * @defaultValue PGLITE_SHARED_BUFFERS ('16MB')
   */
  sharedBuffers?: string;
}

/** The embedded store's default `shared_buffers` (see PgliteSqlOptions.sharedBuffers). */
export const PGLITE_SHARED_BUFFERS = '16MB';
const MEMORY_SIZE = /^[1-9][0-9]{0,6}(kB|MB|GB)$/;

/**
 * Embedded PostgreSQL (PGlite, WASM) with the pgvector extension loaded: the default store,
 * persistent under `$SWITCHYARD_HOME/pgdata`. One process owns a data directory at a time.
 */
export class PgliteSql implements Sql {
  readonly driver = 'pglite' as const;

  private constructor(
    private readonly db: PGlite,
    readonly schema: string,
    private readonly lock: DirectoryLock | null,
  ) {}

  static async open(options: PgliteSqlOptions = {}): Promise<PgliteSql> {
    const { dataDir, schema = 'public', sharedBuffers = PGLITE_SHARED_BUFFERS } = options;
    if (!SCHEMA_NAME.test(schema))
      throw new ValidationError(`invalid schema name '${schema}'`, { field: 'schema' });
    if (!MEMORY_SIZE.test(sharedBuffers))
      throw new ValidationError(
        `invalid sharedBuffers '${sharedBuffers}': expected a size such as 16MB, 512kB or 1GB`,
        { field: 'sharedBuffers' },
      );
    const lock = dataDir
      ? DirectoryLock.acquire(dataDir, {
          what: 'the embedded database',
          hint: 'stop it, or set DATABASE_URL to share a PostgreSQL server between processes',
        })
      : null;
    try {
      if (dataDir) await initializePgliteDataDir(dataDir);
      const db = await PGlite.create(dataDir ?? 'memory://', {
        extensions: { vector },
        startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`],
      });
      // One connection: setting the search path once holds for every later query.
      await db.exec(
        `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}; SET search_path TO ${quoteIdent(schema)}, public;`,
      );
      return new PgliteSql(db, schema, lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /** The underlying PGlite instance, for a socket server or a raw-client benchmark. */
  get pglite(): PGlite {
    return this.db;
  }

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    return toResult(await this.db.query<Row>(text, params as unknown[]));
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  async copyBinary(table: string, columns: readonly string[], data: Uint8Array): Promise<void> {
    await this.db.query(copyText(table, columns), [], { blob: new Blob([data]) });
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx: Transaction) =>
      work({
        query: async <Row>(text: string, params: readonly unknown[] = []) =>
          toResult(await tx.query<Row>(text, params as unknown[])),
        exec: async (script: string) => {
          await tx.exec(script);
        },
        copyBinary: async (table: string, columns: readonly string[], data: Uint8Array) => {
          await tx.query(copyText(table, columns), [], { blob: new Blob([data]) });
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
    this.lock?.release();
  }
}

/** PGlite reads a COPY's input from its `/dev/blob` device, filled from the query's `blob`. */
function copyText(table: string, columns: readonly string[]): string {
  return `COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT binary)`;
}

function toResult<Row>(result: { rows: Row[]; affectedRows?: number }): SqlResult<Row> {
  const changed = result.affectedRows ?? 0;
  return { rows: result.rows, rowCount: result.rows.length > 0 ? result.rows.length : changed };
}
