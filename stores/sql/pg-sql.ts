import pg from 'pg';
import { BackendError, ValidationError } from '../../runtime/errors.js';
import { type Logger, silentLogger } from '../../runtime/logger.js';
import { quoteIdent, SCHEMA_NAME, type Sql, type SqlExecutor, type SqlResult } from './sql.js';

export interface PgSqlOptions {
  /** A postgres:// URL (DATABASE_URL). */
  connectionString: string;
  /** @defaultValue 'public' */
  schema?: string;
  /** Pool size. @defaultValue 10 */
  maxConnections?: number;
  /** @defaultValue 'switchyard' */
  applicationName?: string;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

/** Distinct statement texts prepared per connection; texts beyond it run unnamed (parsed each time). */
const MAX_PREPARED_STATEMENTS = 500;

/**
 * The `pg` driver: a connection pool on a PostgreSQL server.
 *
 * Every parameterized statement runs as a named prepared statement: each connection parses and
 * plans a statement text once, instead of on every call (for the runtime's hot writes that is
 * about a third of the server's CPU per run). Behind PgBouncer in transaction mode that needs
 * PgBouncer ≥ 1.21 with `max_prepared_statements` set.
 */
export class PgSql implements Sql {
  readonly driver = 'pg' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;
  /** Statement text → its prepared statement's name, the same on every connection of the pool. */
  private readonly statementNames = new Map<string, string>();

  constructor(options: PgSqlOptions) {
    const {
      connectionString,
      schema = 'public',
      maxConnections = 10,
      applicationName = 'switchyard',
      logger = silentLogger,
    } = options;
    if (!SCHEMA_NAME.test(schema))
      throw new ValidationError(`invalid schema name '${schema}'`, { field: 'schema' });
    this.schema = schema;
    this.pool = new pg.Pool({
      connectionString,
      max: maxConnections,
      application_name: applicationName,
      // Every pooled connection resolves unqualified names in our schema first; public keeps
      // extension types (pgvector's `vector`) visible.
      options: `-c search_path=${schema},public`,
      // Also set per connection, before the pool hands it out: some servers and poolers
      // (pglite-socket, PgBouncer) ignore the startup `options`. A connection that cannot be set
      // fails the query that asked for it, rather than running in the wrong schema.
      onConnect: async (client) => {
        await client.query(`SET search_path TO ${quoteIdent(schema)}, public`);
      },
    });
    // An idle client that loses its connection emits 'error' on the pool; without a listener
    // that would crash the process. The next query gets a fresh connection.
    this.pool.on('error', (error) => logger.warn({ err: error }, 'postgres: an idle connection failed'));
  }

  /** Connects once and creates the schema, so a bad URL fails here with a clear message. */
  async open(): Promise<this> {
    try {
      await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
    } catch (error) {
      throw new BackendError(
        'postgres',
        `cannot connect or create schema '${this.schema}': ${errorMessage(error)}`,
        error,
      );
    }
    return this;
  }

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    return toResult<Row>(await this.pool.query(this.statement(text, params)));
  }

  async exec(script: string): Promise<void> {
    // Without parameters pg uses the simple query protocol, which accepts several statements.
    await this.pool.query(script);
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: SqlExecutor = {
      query: async <Row>(text: string, params: readonly unknown[] = []) =>
        toResult<Row>(await client.query(this.statement(text, params))),
      exec: async (script: string) => {
        await client.query(script);
      },
    };
    try {
      await client.query('BEGIN');
      const value = await work(tx);
      await client.query('COMMIT');
      client.release();
      return value;
    } catch (error) {
      // A failed ROLLBACK means the connection is broken: destroy it instead of returning it.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: unknown) => client.release(rollbackError instanceof Error ? rollbackError : true),
      );
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** The query config of a statement: named (prepared once per connection) while names last. */
  private statement(text: string, params: readonly unknown[]): pg.QueryConfig {
    let name = this.statementNames.get(text);
    if (name === undefined && this.statementNames.size < MAX_PREPARED_STATEMENTS) {
      name = `switchyard_${this.statementNames.size}`;
      this.statementNames.set(text, name);
    }
    return { text, values: params as unknown[], ...(name ? { name } : {}) };
  }
}

function toResult<Row>(result: pg.QueryResult): SqlResult<Row> {
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
