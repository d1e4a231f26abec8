import pg from 'pg';
import { BackendError, ValidationError, type Logger, silentLogger } from '#core';
import { quoteIdent, SCHEMA_NAME, type Sql, type SqlExecutor, type SqlResult } from './sql.js';
import {
  isLostTransactionError,
  isTransientConnectError,
  isTransientStatementError,
  isUnsentCommitError,
  retryTransient,
} from './transient-errors.js';

/** Marks an error raised while connecting (nothing was sent). */
const CONNECTING = Symbol('connecting');

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
  /**
   * Run parameterized statements as named prepared statements. Off for a pooler that hands a
   * client's statements to other server sessions (PgBouncer < 1.21 in transaction mode).
   * @defaultValue true
   */
  preparedStatements?: boolean;
  /**
   * How long a statement (or a transaction) is tried again after a failure that left it without
   * effect — the server restarting or failing over, a connection refused, a serialization failure
   * (transient-errors.ts) — before its error reaches the caller. 0 turns retries off.
   * @defaultValue 120000
   */
  retryForMs?: number;
}

/** Distinct statement texts prepared per connection; texts beyond it run unnamed (parsed each time). */
const MAX_PREPARED_STATEMENTS = 500;

/** A connection's prepared statements: text → name. */
interface Prepared {
  /** Unique among this pool's connections (see {@link PgSql.statement}). */
  connection: number;
  names: Map<string, string>;
}

/**
 * The `pg` driver: a connection pool on a PostgreSQL server.
 *
 * Every parameterized statement runs as a named prepared statement: each connection parses and
 * plans a statement text once, instead of on every call (for the runtime's hot writes that is
 * about a third of the server's CPU per run). Behind PgBouncer in transaction mode that needs
 * PgBouncer ≥ 1.21 with `max_prepared_statements` set, or `preparedStatements: false`.
 */
export class PgSql implements Sql {
  readonly driver = 'pg' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly prepares: boolean;
  private readonly prepared = new WeakMap<pg.PoolClient, Prepared>();
  private connections = 0;
  private readonly retryForMs: number;
  private readonly logger: Logger;
  /** Set while statements are being retried, so an outage is logged once, and its end once. */
  private retrying = false;

  constructor(options: PgSqlOptions) {
    const {
      connectionString,
      schema = 'public',
      maxConnections = 10,
      applicationName = 'switchyard',
      logger = silentLogger,
      preparedStatements = true,
      retryForMs = 120_000,
    } = options;
    this.prepares = preparedStatements;
    this.retryForMs = retryForMs;
    this.logger = logger;
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

  /**
   * Runs one statement. A failure that left it without effect (see retryForMs) is retried on a
   * fresh connection until the server answers; any other failure is the caller's at once.
   */
  async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    return this.withRetries(() => this.queryOnce<Row>(text, params));
  }

  private async queryOnce<Row>(text: string, params: readonly unknown[]): Promise<SqlResult<Row>> {
    // As pool.query does, but the statement's name depends on the connection it runs on.
    const client = await this.connect();
    // A connection that breaks while checked out emits 'error'; unheard, that would crash the
    // process. The query itself rejects, and the catch below drops the connection.
    const ignore = () => {};
    client.on('error', ignore);
    try {
      const result = await client.query(this.statement(client, text, params));
      client.off('error', ignore);
      client.release();
      return toResult<Row>(result);
    } catch (error) {
      client.off('error', ignore);
      // pool.query's rule: a connection whose query failed is not reused.
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }

  async exec(script: string): Promise<void> {
    // Without parameters pg uses the simple query protocol, which accepts several statements.
    await this.pool.query(script);
  }

  /**
   * Runs `work` in a transaction. When its connection is lost before COMMIT was sent (the server
   * restarted or ended the session, the network dropped it), or it failed with an error that left it
   * without effect (a serialization failure), the server has rolled it back and the whole
   * transaction is run again: `work` must only touch the database through `tx` (or be safe to
   * repeat). A COMMIT that was sent and got no answer is the caller's: it may have committed.
   */
  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let committing = false;
    return this.withRetries(
      async () => {
        committing = false;
        return this.transactionOnce(work, () => (committing = true));
      },
      (error) => (committing ? isUnsentCommitError(error) : isLostTransactionError(error)),
    );
  }

  private async transactionOnce<T>(work: (tx: SqlExecutor) => Promise<T>, onCommit: () => void): Promise<T> {
    const client = await this.connect();
    const tx: SqlExecutor = {
      query: async <Row>(text: string, params: readonly unknown[] = []) =>
        toResult<Row>(await client.query(this.statement(client, text, params))),
      exec: async (script: string) => {
        await client.query(script);
      },
    };
    // As in a single statement: a connection that breaks while checked out emits 'error', which
    // unheard would crash the process (a server restart during a transaction did); the statement
    // under way rejects with it instead.
    const ignore = () => {};
    client.on('error', ignore);
    try {
      await client.query('BEGIN');
      const value = await work(tx);
      onCommit();
      await client.query('COMMIT');
      client.off('error', ignore);
      client.release();
      return value;
    } catch (error) {
      // A failed ROLLBACK means the connection is broken: destroy it instead of returning it.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: unknown) => client.release(rollbackError instanceof Error ? rollbackError : true),
      );
      client.off('error', ignore);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** A pooled connection; a failure to make one is marked so the retry rule knows nothing ran. */
  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw Object.assign(error instanceof Error ? error : new Error(String(error)), { [CONNECTING]: true });
    }
  }

  /**
   * `attempt`, retried while its failure left no effect, up to retryForMs. `retryable` decides what
   * left no effect: by default, the rule for a lone statement (transient-errors.ts).
   */
  private async withRetries<T>(
    attempt: () => Promise<T>,
    retryable: (error: unknown) => boolean = isTransientStatementError,
  ): Promise<T> {
    if (this.retryForMs <= 0) return attempt();
    const value = await retryTransient(
      attempt,
      (error) =>
        (error as { [CONNECTING]?: boolean })[CONNECTING] === true
          ? isTransientConnectError(error)
          : retryable(error),
      {
        forMs: this.retryForMs,
        onRetry: (error, tries) => {
          if (tries > 1 || this.retrying) return;
          this.retrying = true;
          this.logger.warn(
            { err: error },
            'postgres: a statement failed without effect; retrying until the server answers',
          );
        },
      },
    );
    if (this.retrying) {
      this.retrying = false;
      this.logger.info('postgres: statements go through again');
    }
    return value;
  }

  /**
   * The query config of a statement on `client`: named (prepared once on that connection) while
   * names last. Names are unique per connection, not only per text: a server that runs several
   * client connections in one session (pglite-socket) sees each connection's statements apart.
   */
  private statement(client: pg.PoolClient, text: string, params: readonly unknown[]): pg.QueryConfig {
    const values = params as unknown[];
    if (!this.prepares) return { text, values };
    let prepared = this.prepared.get(client);
    if (!prepared) {
      prepared = { connection: ++this.connections, names: new Map() };
      this.prepared.set(client, prepared);
    }
    let name = prepared.names.get(text);
    if (name === undefined && prepared.names.size < MAX_PREPARED_STATEMENTS) {
      name = `switchyard_${prepared.connection}_${prepared.names.size}`;
      prepared.names.set(text, name);
    }
    return { text, values, ...(name ? { name } : {}) };
  }
}

function toResult<Row>(result: pg.QueryResult): SqlResult<Row> {
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
