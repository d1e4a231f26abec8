import { type Logger, silentLogger } from '#core';
import {
  isTransientConnectError,
  isTransientStatementError,
  type SqlExecutor,
  storableJson,
  storableText,
} from '#stores/sql';
import { type FieldMatcher, fieldMatcher, redactArguments } from '#bridge/access';

export type CallOutcome = 'ok' | 'tool_error' | 'error';

/** The operations audited: every MCP request that reads or changes data. */
export type AuditOperation = 'tools/call' | 'resources/read' | 'prompts/get' | 'completion/complete';

/** One operation, as a front reports it. */
export interface AuditEntry {
  /** Which front took the call (`api`, `mcp`, `stdio`, `agent`). */
  source: string;
  /** The API key's name (for an agent: the key that submitted its run); null when the front is open (no keys). */
  keyName: string | null;
  /** @defaultValue 'tools/call' */
  operation?: AuditOperation;
  /** The tool or prompt name, the resource URI, or the completion's target. */
  tool: string;
  /** Null when the tool was unknown. */
  server: string | null;
  startedAt: Date;
  durationMs: number;
  outcome: CallOutcome;
  error?: string | undefined;
  /** As the caller sent them; redacted before they are stored. */
  arguments: unknown;
  /** For an agent's calls: the run that made it. */
  runId?: string | undefined;
}

export interface AuditLogOptions {
  /** Argument field-name patterns replaced by "[redacted]" at any depth (see fieldMatcher). */
  redact: readonly string[];
  /** @defaultValue silentLogger */
  logger?: Logger;
  /**
   * How long a recorded row may wait for others to share its INSERT. One statement costs far more
   * than one more row in it (about 1 ms of this process's CPU on embedded PGlite), so a busy
   * bridge writes a batch per window instead of a statement per call. On embedded PGlite the
   * statement runs on the event loop that serves the calls, so the window is long enough that a
   * bridge at a few hundred calls/s writes tens of rows per statement (bench:bridge: 20 → 250 ms
   * cut the server CPU per call at one connection by about a quarter). A full batch
   * (MAX_BATCH_ROWS) is written without waiting for the window. `flush` does not wait.
   * @defaultValue 250
   */
  batchWindowMs?: number;
  /**
   * Rows kept while the database is unavailable (they are written once it answers again); past
   * it the oldest are dropped, counted and logged, so an outage cannot exhaust memory.
   * @defaultValue 100000
   */
  maxQueuedRows?: number;
}

/** Backoff between tries while the database is unavailable. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/** Rows of one multi-row INSERT at most (11 parameters each; PostgreSQL allows 65,535). */
const MAX_BATCH_ROWS = 500;
const COLUMNS =
  '(source, key_name, tool, server, started_at, duration_ms, outcome, error, arguments, operation, run_id)';
const COLUMN_COUNT = 11;

/** One queued row: its parameters, and the entry's fields a failed insert is logged with. */
interface QueuedRow {
  params: unknown[];
  entry: Pick<AuditEntry, 'tool' | 'server' | 'keyName' | 'outcome'>;
}

/**
 * Writes the `audit_tool_calls` row of every audited operation (migrations 4 and 8). `record` returns at once:
 * rows are inserted in the background so the caller's answer does not wait for them, and a
 * failed insert is logged at error with the entry (arguments redacted), never thrown. `flush`
 * writes the rows recorded so far and waits for them (shutdown, tests).
 *
 * Rows are batched: the first row recorded opens a window of `batchWindowMs`, and one multi-row
 * INSERT then takes every row queued meanwhile; one insert runs at a time. A batch the database
 * could not take because it is unavailable (a connection refused or cut before the statement ran,
 * a restart: transient-errors.ts) goes back to the head of the queue and is tried again with
 * backoff, so an outage delays rows but loses none (up to `maxQueuedRows`). Any other failure is
 * retried row by row, so one bad row costs only itself and each lost row is logged.
 */
export class AuditLog {
  private queue: QueuedRow[] = [];
  private writing: Promise<void> | undefined;
  private window: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly batchWindowMs: number;
  private readonly maxQueuedRows: number;
  private readonly redact: FieldMatcher;
  /** Non-zero while the database is unavailable: the wait before the next try. */
  private retryDelayMs = 0;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly options: AuditLogOptions,
  ) {
    this.log = (options.logger ?? silentLogger).child({ component: 'audit' });
    this.batchWindowMs = options.batchWindowMs ?? 250;
    this.maxQueuedRows = options.maxQueuedRows ?? 100_000;
    this.redact = fieldMatcher(options.redact);
    if (!(this.batchWindowMs >= 0))
      throw new RangeError(`batchWindowMs must be 0 or more, got ${options.batchWindowMs}`);
    if (!(Number.isInteger(this.maxQueuedRows) && this.maxQueuedRows >= 1))
      throw new RangeError(`maxQueuedRows must be a positive integer, got ${options.maxQueuedRows}`);
  }

  /** Rows recorded and not yet written. */
  get pending(): number {
    return this.queue.length;
  }

  record(entry: AuditEntry): void {
    // Redacted and serialized now: the caller may change its arguments object afterwards.
    // Stored as PostgreSQL can hold it: a NUL or a lone surrogate in what a client sent must not
    // cost the row (storable-text.ts).
    const args = storableJson(redactArguments(entry.arguments ?? {}, this.redact));
    const text = (value: string | null | undefined) =>
      value === null || value === undefined ? null : storableText(value);
    this.queue.push({
      params: [
        entry.source,
        text(entry.keyName),
        text(entry.tool),
        text(entry.server),
        entry.startedAt.toISOString(),
        Math.max(0, Math.round(entry.durationMs)),
        entry.outcome,
        text(entry.error),
        JSON.stringify(args),
        entry.operation ?? 'tools/call',
        entry.runId ?? null,
      ],
      entry: { tool: entry.tool, server: entry.server, keyName: entry.keyName, outcome: entry.outcome },
    });
    if (this.queue.length > this.maxQueuedRows) this.dropOldest();
    // A full batch need not wait for the window; still on a timer, never on the caller's path.
    if (this.queue.length >= MAX_BATCH_ROWS && this.window && this.retryDelayMs === 0) {
      clearTimeout(this.window);
      this.window = undefined;
      this.schedule(0);
    } else this.schedule();
  }

  /**
   * Writes every row recorded so far, now, and resolves once each is written or logged. While the
   * database is unavailable it stops at the first failed try and leaves the rest queued for the
   * background retries (logged at error), so a shutdown is not held up by an outage.
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.retryDelayMs > 0 && !this.writing) {
        if (this.queue.length > 0)
          this.log.error(
            { rows: this.queue.length },
            'audit rows not written yet: the database is unavailable; they are retried in the background',
          );
        return;
      }
      if (this.window) {
        clearTimeout(this.window);
        this.window = undefined;
        this.write();
      }
      if (!this.writing) return;
      await this.writing;
    }
  }

  /**
   * Opens a batch window (the backoff while the database is unavailable), unless one is open or
   * an insert is under way (it schedules when done).
   */
  private schedule(delayMs = this.retryDelayMs || this.batchWindowMs): void {
    if (this.writing || this.window || this.queue.length === 0) return;
    this.window = setTimeout(() => {
      this.window = undefined;
      this.write();
    }, delayMs);
  }

  /** Inserts the queued rows (up to MAX_BATCH_ROWS); never rejects. */
  private write(): void {
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue.slice(0, MAX_BATCH_ROWS);
    this.queue = this.queue.slice(batch.length);
    this.writing = this.insert(batch)
      .then(() => {
        if (this.retryDelayMs > 0) this.log.info('the database answers again: audit rows are written');
        this.retryDelayMs = 0;
      })
      .catch(async (error: unknown) => {
        if (isUnavailable(error)) return this.putBack(batch, error);
        if (batch.length === 1) return this.logFailure(error, batch[0]!);
        // Row by row: only the rows that cannot be written are lost, each one logged.
        for (const [i, row] of batch.entries()) {
          const rowError = await this.insert([row]).then(
            () => undefined,
            (failure: unknown) => failure ?? new Error('insert failed'),
          );
          if (rowError === undefined) continue;
          if (isUnavailable(rowError)) return this.putBack(batch.slice(i), rowError);
          this.logFailure(rowError, row);
        }
      })
      .finally(() => {
        this.writing = undefined;
        this.schedule();
      });
  }

  /** The database is unavailable: `rows` go back to the head of the queue, tried after a backoff. */
  private putBack(rows: QueuedRow[], error: unknown): void {
    if (this.retryDelayMs === 0)
      this.log.warn(
        { err: error, rows: rows.length + this.queue.length },
        'audit rows wait: the database is unavailable',
      );
    this.retryDelayMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this.retryDelayMs * 2));
    this.queue = [...rows, ...this.queue];
    if (this.queue.length > this.maxQueuedRows) this.dropOldest();
  }

  /** Past maxQueuedRows (a long outage): the oldest rows go, and the loss is logged. */
  private dropOldest(): void {
    const dropped = this.queue.length - this.maxQueuedRows;
    this.queue = this.queue.slice(dropped);
    this.log.error(
      { dropped, maxQueuedRows: this.maxQueuedRows },
      'audit rows dropped: too many waiting for the database',
    );
  }

  private async insert(rows: QueuedRow[]): Promise<void> {
    const values = rows.map((_, r) => {
      const base = r * COLUMN_COUNT;
      return `(${Array.from({ length: COLUMN_COUNT }, (_, c) => `$${base + c + 1}`).join(', ')})`;
    });
    await this.sql.query(
      `INSERT INTO audit_tool_calls ${COLUMNS} VALUES ${values.join(', ')}`,
      rows.flatMap((row) => row.params),
    );
  }

  private logFailure(error: unknown, row: QueuedRow): void {
    this.log.error({ err: error, ...row.entry }, 'could not write the audit row of a tool call');
  }
}

/** A failure of the database's availability, not of the rows: the statement did not take effect. */
function isUnavailable(error: unknown): boolean {
  return isTransientConnectError(error) || isTransientStatementError(error);
}
