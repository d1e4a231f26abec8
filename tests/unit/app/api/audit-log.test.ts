import { describe, expect, it } from 'vitest';
import { type AuditEntry, AuditLog } from '../../../../app/api/audit-log.js';
import type { Logger } from '../../../../core/logger.js';
import type { SqlExecutor, SqlResult } from '../../../../stores/sql/sql.js';

// The audit writer's batching: rows recorded close together share one INSERT, flush writes at
// once, a failed batch costs only its bad rows (each one logged), and rows the database could not
// take because it was unavailable wait and are written once it answers (none lost).

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

  it('keeps a batch the database could not take while unavailable and writes it once it answers', async () => {
    const sql = insertsTwin();
    const { logger, errors } = errorLogger();
    let refusals = 2;
    const flaky: SqlExecutor = {
      ...sql,
      query: (text, params) => {
        if (refusals-- > 0)
          return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
        return sql.query(text, params);
      },
    };
    const audit = new AuditLog(flaky, { redact: [], logger, batchWindowMs: 1 });
    for (const tool of ['a', 'b', 'c']) audit.record(entry(tool));
    // Real timers: the backoff (100 ms, then 200 ms) is what is under test.
    await expect
      .poll(() => sql.inserts.flat().filter((p) => ['a', 'b', 'c'].includes(p as string)), {
        timeout: 5_000,
      })
      .toEqual(['a', 'b', 'c']);
    expect(refusals).toBe(-1);
    expect(audit.pending).toBe(0);
    expect(errors).toEqual([]);
  });

  it('writes a full batch of 500 rows without waiting for the window', async () => {
    const sql = insertsTwin();
    const audit = new AuditLog(sql, { redact: [], batchWindowMs: 60_000 });
    for (let i = 0; i < 500; i++) audit.record(entry(`t${i}`));
    expect(sql.inserts).toHaveLength(0);
    await expect.poll(() => sql.inserts.length, { timeout: 2_000 }).toBe(1);
    expect(sql.inserts[0]).toHaveLength(500 * 11);
  });

  it('past maxQueuedRows drops the oldest rows and logs how many', async () => {
    const sql = insertsTwin();
    const { logger, errors } = errorLogger();
    const audit = new AuditLog(sql, { redact: [], logger, batchWindowMs: 60_000, maxQueuedRows: 2 });
    for (const tool of ['a', 'b', 'c']) audit.record(entry(tool));
    expect(audit.pending).toBe(2);
    await audit.flush();
    expect(sql.inserts.map((params) => [params[2], params[13]])).toEqual([['b', 'c']]);
    expect(errors).toEqual([
      [{ dropped: 1, maxQueuedRows: 2 }, 'audit rows dropped: too many waiting for the database'],
    ]);
  });

  it('flush does not hang while the database is unavailable: the rows stay queued and it says so', async () => {
    const { logger, errors } = errorLogger();
    const down: SqlExecutor = {
      query: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      exec: async () => {},
    };
    const audit = new AuditLog(down, { redact: [], logger, batchWindowMs: 60_000 });
    audit.record(entry('a'));
    await audit.flush();
    expect(audit.pending).toBe(1);
    expect(errors).toEqual([
      [
        { rows: 1 },
        'audit rows not written yet: the database is unavailable; they are retried in the background',
      ],
    ]);
  });

  it('refuses a negative batch window', () => {
    expect(() => new AuditLog(insertsTwin(), { redact: [], batchWindowMs: -1 })).toThrow(RangeError);
  });
});
