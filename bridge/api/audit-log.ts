import { type Logger, silentLogger } from '../../runtime/logger.js';
import type { SqlExecutor } from '../../stores/sql/sql.js';
import { redactArguments } from './redact-arguments.js';

export type CallOutcome = 'ok' | 'tool_error' | 'error';

/** One tool call, as a front reports it. */
export interface AuditEntry {
  /** Which front took the call (`api`, `mcp`). */
  source: string;
  /** The API key's name; null when the front is open (no keys). */
  keyName: string | null;
  tool: string;
  /** Null when the tool was unknown. */
  server: string | null;
  startedAt: Date;
  durationMs: number;
  outcome: CallOutcome;
  error?: string | undefined;
  /** As the caller sent them; redacted before they are stored. */
  arguments: unknown;
}

export interface AuditLogOptions {
  /** Argument field names replaced by "[redacted]" at any depth, case-insensitive. */
  redact: readonly string[];
  /** @defaultValue silentLogger */
  logger?: Logger;
}

/**
 * Writes the `audit_tool_calls` row of every tool call (migration 4). `record` returns at once:
 * the insert runs in the background so the caller's answer does not wait for it, and a failed
 * insert is logged at error with the entry (arguments redacted), never thrown. `flush` waits for
 * the inserts under way (shutdown, tests).
 */
export class AuditLog {
  private readonly pending = new Set<Promise<void>>();
  private readonly log: Logger;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly options: AuditLogOptions,
  ) {
    this.log = (options.logger ?? silentLogger).child({ component: 'audit' });
  }

  record(entry: AuditEntry): void {
    const args = redactArguments(entry.arguments ?? {}, this.options.redact);
    const write: Promise<void> = this.sql
      .query(
        `INSERT INTO audit_tool_calls
           (source, key_name, tool, server, started_at, duration_ms, outcome, error, arguments)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          entry.source,
          entry.keyName,
          entry.tool,
          entry.server,
          entry.startedAt.toISOString(),
          Math.max(0, Math.round(entry.durationMs)),
          entry.outcome,
          entry.error ?? null,
          JSON.stringify(args),
        ],
      )
      .then(() => undefined)
      .catch((error: unknown) =>
        this.log.error(
          {
            err: error,
            tool: entry.tool,
            server: entry.server,
            keyName: entry.keyName,
            outcome: entry.outcome,
          },
          'could not write the audit row of a tool call',
        ),
      )
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Resolves once every insert started so far has settled. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
