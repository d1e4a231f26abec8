import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../../app/api/audit-log.js';
import { createApi } from '../../../../app/api/create-api.js';
import type { Logger } from '../../../../core/logger.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { SQL_TARGETS, uniqueSchema } from '../../../support/sql-targets.js';
import { type ApiHarness, bearer, createApiHarness, recordingSql } from './api-harness.js';

// The SQL side of the API on both drivers: the audit row of every call (redacted arguments) and
// /ready asking the store `SELECT 1`.

const KEY = 'd9ebc7755f6d32249532f59e09ff6bdab15493ef3bec631f';

interface AuditRow {
  source: string;
  key_name: string | null;
  tool: string;
  server: string | null;
  started_at: Date;
  duration_ms: number;
  outcome: string;
  error: string | null;
  arguments: unknown;
}

let harness: ApiHarness;
beforeAll(async () => {
  harness = await createApiHarness();
});
afterAll(() => harness.close());

describe.each(SQL_TARGETS)('the API on $name', (target) => {
  const schema = uniqueSchema('api_audit');
  let sql: Sql;
  let api: FastifyInstance;
  beforeAll(async () => {
    sql = await target.open(schema);
    await migrate(sql, MIGRATIONS);
    api = await createApi({
      catalog: harness.catalog,
      fleet: harness.fleet,
      sql,
      options: {
        keys: [{ name: 'auditor', key: KEY, scopes: ['read', 'call'] }],
        redact: ['password', 'token', 'apiKey'],
      },
    });
  });
  afterAll(async () => {
    await api.close();
    await sql.close();
    await target.cleanup(schema);
  });

  const rows = async (tool: string) =>
    (await sql.query<AuditRow>('SELECT * FROM audit_tool_calls WHERE tool = $1 ORDER BY id', [tool])).rows;

  // Regression (issue 13 fuzzing): rows whose arguments held a NUL or a lone surrogate were
  // refused by PostgreSQL and lost.
  it('keeps the row of a call whose arguments, name or error hold characters PostgreSQL refuses', async () => {
    const audit = new AuditLog(sql, { redact: [] });
    const tool = 'odd\u0000tool';
    audit.record({
      source: 'mcp',
      keyName: 'auditor',
      tool,
      server: null,
      startedAt: new Date(),
      durationMs: 1,
      outcome: 'error',
      error: 'bad \uD800 input \u0000',
      arguments: { 'k\u0000ey': 'v\u0000', lone: '\uDC00', emoji: '😀' },
    });
    await audit.flush();
    const [row] = await rows('odd\uFFFDtool');
    expect(row).toMatchObject({
      error: 'bad \uFFFD input \uFFFD',
      arguments: { 'k\uFFFDey': 'v\uFFFD', lone: '\uFFFD', emoji: '😀' },
    });
  });

  it('is ready when every upstream is ready and SQL answers', async () => {
    const response = await api.inject({ url: '/ready', headers: bearer(KEY) });
    expect(response.json()).toEqual({ ready: true, reasons: [] });
    expect(response.statusCode).toBe(200);
  });

  it('writes an audit row for a call, with argument fields redacted at any depth', async () => {
    const args = {
      text: 'hello',
      password: 'hunter2',
      nested: { Token: 'abc', list: [{ apiKey: 'k', keep: 1 }], fine: 'yes' },
    };
    const response = await api.inject({
      method: 'POST',
      url: '/v1/tools/main__echo/call',
      headers: bearer(KEY),
      payload: { arguments: args },
    });
    expect(response.statusCode).toBe(200);
    // Redaction is for the audit row only (the echo tool's schema keeps just `text`).
    expect(response.json().result.content[0].text).toBe('{"text":"hello"}');
    await api.switchyard.audit.flush();
    const [row, ...more] = await rows('main__echo');
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      source: 'api',
      key_name: 'auditor',
      server: 'main',
      outcome: 'ok',
      error: null,
      arguments: {
        text: 'hello',
        password: '[redacted]',
        nested: { Token: '[redacted]', list: [{ apiKey: '[redacted]', keep: 1 }], fine: 'yes' },
      },
    });
    expect(row!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(Date.now() - new Date(row!.started_at).getTime()).toBeLessThan(60_000);
  });

  it('writes tool_error and error outcomes, also for an unknown tool', async () => {
    const headers = bearer(KEY);
    await api.inject({ method: 'POST', url: '/v1/tools/main__fail/call', headers, payload: {} });
    await api.inject({ method: 'POST', url: '/v1/tools/nope__nothing/call', headers, payload: {} });
    await api.switchyard.audit.flush();
    expect(await rows('main__fail')).toEqual([
      expect.objectContaining({ outcome: 'tool_error', error: 'the account is locked', server: 'main' }),
    ]);
    expect(await rows('nope__nothing')).toEqual([
      expect.objectContaining({
        outcome: 'error',
        server: null,
        error: expect.stringMatching(/does not exist/),
      }),
    ]);
  });
});

describe('the audit writer', () => {
  it('logs a failed insert and does not fail or hold up the call', async () => {
    const twin = recordingSql();
    twin.fail = new Error('relation "audit_tool_calls" does not exist');
    const errors: unknown[][] = [];
    const logger = {
      child: () => logger,
      error: (...args: unknown[]) => errors.push(args),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
    } as unknown as Logger;
    const audit = new AuditLog(twin, { redact: ['password'], logger });
    const api = await createApi({ catalog: harness.catalog, fleet: harness.fleet, sql: twin, audit });
    try {
      const response = await api.inject({ method: 'POST', url: '/v1/tools/main__echo/call', payload: {} });
      expect(response.statusCode).toBe(200);
      await audit.flush();
      expect(twin.queries.some((q) => q.includes('INSERT INTO audit_tool_calls'))).toBe(true);
      expect(errors).toEqual([
        [
          expect.objectContaining({ tool: 'main__echo', outcome: 'ok' }),
          'could not write the audit row of a tool call',
        ],
      ]);
    } finally {
      await api.close();
    }
  });

  it('answers /ready with 503 and the reason when SQL fails', async () => {
    const twin = recordingSql();
    twin.fail = new Error('connection refused');
    const api = await createApi({ catalog: harness.catalog, fleet: harness.fleet, sql: twin });
    try {
      const response = await api.inject('/ready');
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ ready: false, reasons: ['sql: connection refused'] });
    } finally {
      await api.close();
    }
  });
});
