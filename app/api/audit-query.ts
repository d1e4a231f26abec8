import { z } from 'zod';
import type { SqlExecutor } from '#stores/sql';
import type { CallOutcome } from './audit-log.js';

/** The filters of `GET /v1/audit`: each narrows the rows, all of them together. */
export const AuditQuerySchema = z.strictObject({
  /** The API key's name, exactly; `anonymous` finds the rows of an open API (no key). */
  key: z.string().min(1).max(200).optional(),
  /** A part of the tool name (or resource URI), case-insensitive. */
  tool: z.string().min(1).max(200).optional(),
  outcome: z.enum(['ok', 'tool_error', 'error']).optional(),
  /** Rows before this id (the previous page's last `id`): newest first, page by page. */
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

/** A row of the audit log as the API answers it (arguments as stored: already redacted). */
export interface AuditRow {
  id: number;
  source: string;
  operation: string;
  key: string | null;
  tool: string;
  server: string | null;
  startedAt: string;
  durationMs: number;
  outcome: CallOutcome;
  error: string | null;
  arguments: unknown;
  runId: string | null;
}

interface AuditRecord {
  id: string | number;
  source: string;
  operation: string;
  key_name: string | null;
  tool: string;
  server: string | null;
  started_at: Date | string;
  duration_ms: number;
  outcome: CallOutcome;
  error: string | null;
  arguments: unknown;
  run_id: string | null;
}

/** Escapes LIKE's wildcards, so a `%` or `_` in a searched name matches itself. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The rows of `audit_tool_calls` that match `query`, newest first. */
export async function queryAudit(sql: SqlExecutor, query: AuditQuery): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.key === 'anonymous') where.push('key_name IS NULL');
  else if (query.key !== undefined) where.push(`key_name = ${param(query.key)}`);
  if (query.tool !== undefined) where.push(`tool ILIKE ${param(`%${likeLiteral(query.tool)}%`)}`);
  if (query.outcome !== undefined) where.push(`outcome = ${param(query.outcome)}`);
  if (query.before !== undefined) where.push(`id < ${param(query.before)}`);
  const result = await sql.query<AuditRecord>(
    `SELECT id, source, operation, key_name, tool, server, started_at, duration_ms, outcome, error,
            arguments, run_id
       FROM audit_tool_calls
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC
      LIMIT ${param(query.limit)}`,
    params,
  );
  return result.rows.map((row) => ({
    id: Number(row.id),
    source: row.source,
    operation: row.operation,
    key: row.key_name,
    tool: row.tool,
    server: row.server,
    startedAt: new Date(row.started_at).toISOString(),
    durationMs: row.duration_ms,
    outcome: row.outcome,
    error: row.error,
    arguments: typeof row.arguments === 'string' ? JSON.parse(row.arguments) : row.arguments,
    runId: row.run_id,
  }));
}
