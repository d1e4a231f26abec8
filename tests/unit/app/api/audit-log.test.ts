import { describe, expect, it } from 'vitest';
import { type AuditEntry, AuditLog } from '../../../../app/api/audit-log.js';
import type { Logger } from '../../../../core/logger.js';
import type { SqlExecutor, SqlResult } from '../../../../stores/sql/sql.js';

// The audit writer's batching: rows recorded close together share one INSERT, flush writes at
// once, and a failed batch costs only its bad rows (each one logged).

function entry(tool: string): AuditEntry {
  return {
    source: 'mcp',
    keyName: null,
    tool,
    server: 'main',
    startedAt: new Date(0),
    durationMs: 1.4,
    outcome: 'ok',
    arguments: { text: tool, password: 'secret' },
  };
}

/** Records each INSERT; refuses any statement whose rows include a tool named `bad`. */
function insertsTwin(): SqlExecutor & { inserts: unknown[][] } {
  const twin = {
    inserts: [] as unknown[][],
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
      if (params.includes('bad')) throw new Error('value too long for type');
      expect(text).toContain('INSERT INTO audit_tool_calls');
      twin.inserts.push([...params]);
      return { rows: [], rowCount: params.length / 9 };
    },
    async exec(): Promise<void> {},
  };
  return twin;
}

function errorLogger(): { logger: Logger; errors: unknown[][] } {
  const errors: unknown[][] = [];
  const logger = {
    child: () => logger,
    error: (...args: unknown[]) => errors.push(args),
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
  } as unknown as Logger;
  return { logger, errors };
}

describe('AuditLog', () => {
  it('writes the rows recorded within one window in one INSERT, in order, arguments redacted', async () => {
    const sql = insertsTwin();
    const audit = new AuditLog(sql, { redact: ['password'], batchWindowMs: 60_000 });
    for (const tool of ['a', 'b', 'c']) audit.record(entry(tool));
    expect(sql.inserts).toEqual([]);
    await audit.flush();
    expect(sql.inserts).toHaveLength(1);
    const params = sql.inserts[0]!;
    expect(params).toHaveLength(33);
    expect([params[2], params[13], params[24]]).toEqual(['a', 'b', 'c']);
    expect(params.slice(0, 11)).toEqual([
      'mcp',
      null,
      'a',
      'main',
      '1970-01-01T00:00:00.000Z',
      1,
      'ok',
      null,
      '{"text":"a","password":"[redacted]"}',
      'tools/call',
      null,
    ]);
  });

  it('writes without a flush once the window has passed', async () => {
    const sql = insertsTwin();
    const audit = new AuditLog(sql, { redact: [], batchWindowMs: 1 });
    audit.record(entry('a'));
    // A real (1 ms) timer: the window is the behaviour under test.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sql.inserts).toHaveLength(1);
  });

  it('retries a failed batch row by row: only the bad row is lost, and it is logged', async () => {
    const sql = insertsTwin();
    const { logger, errors } = errorLogger();
    const audit = new AuditLog(sql, { redact: [], logger, batchWindowMs: 60_000 });
    for (const tool of ['a', 'bad', 'c']) audit.record(entry(tool));
    await audit.flush();
    expect(sql.inserts.map((params) => params[2])).toEqual(['a', 'c']);
    expect(errors).toEqual([
      [
        expect.objectContaining({ tool: 'bad', server: 'main', outcome: 'ok' }),
        'could not write the audit row of a tool call',
      ],
    ]);
  });

  it('refuses a negative batch window', () => {
    expect(() => new AuditLog(insertsTwin(), { redact: [], batchWindowMs: -1 })).toThrow(RangeError);
  });
});
