import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RECORD_TYPES } from '../../../../mcp-servers/crm/records/record-spec.js';
import { RECORD_SPECS } from '../../../../mcp-servers/crm/records/record-specs.js';
import { generateAccount } from '../../../../mcp-servers/crm/seed/generate-crm.js';
import { seedCrm } from '../../../../mcp-servers/crm/seed/seed-crm.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { SQL_TARGETS, uniqueSchema } from '../../../support/sql-targets.js';
import { type ConnectedCrm, connectCrm } from './crm-harness.js';

const asOf = new Date('2026-06-15T00:00:00Z');

describe.each(SQL_TARGETS)('seeding the crm on $name', (target) => {
  let schema: string;
  let sql: Sql;
  let crm: ConnectedCrm;
  beforeAll(async () => {
    schema = uniqueSchema('crmseed');
    sql = await target.open(schema);
    crm = await connectCrm(sql, { now: () => new Date('2026-06-15T12:00:00Z') });
  });
  beforeEach(async () => {
    await sql.exec(
      `TRUNCATE ${RECORD_TYPES.map((t) => RECORD_SPECS[t].table).join(', ')}, crm_changes RESTART IDENTITY`,
    );
  });
  afterAll(async () => {
    await crm.close();
    await sql.close();
    await target.cleanup(schema);
  });

  const rows = async (table: string) =>
    Number((await sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]!.n);

  it('writes every generated record with its change-log entry, reports progress, and repeats as a no-op', async () => {
    const progress: number[] = [];
    const report = await seedCrm(sql, {
      accounts: 25,
      seed: 9,
      asOf,
      batchSize: 10,
      onProgress: (n) => progress.push(n),
    });
    expect(progress).toEqual([10, 20, 25]);
    const expected = Object.fromEntries(RECORD_TYPES.map((t) => [t, 0]));
    for (let i = 0; i < 25; i++)
      for (const [type, records] of Object.entries(generateAccount(i, { seed: 9, asOf })))
        expected[type]! += records.length;
    expect(report).toEqual({ seed: 9, asOf: '2026-06-15', accounts: 25, inserted: expected, skipped: 0 });
    for (const type of RECORD_TYPES) expect(await rows(RECORD_SPECS[type].table)).toBe(expected[type]);
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    expect(await rows('crm_changes')).toBe(total);

    const again = await seedCrm(sql, { accounts: 25, seed: 9, asOf, batchSize: 10 });
    expect(again.inserted).toEqual(Object.fromEntries(RECORD_TYPES.map((t) => [t, 0])));
    expect(again.skipped).toBe(total);
    expect(await rows('crm_changes')).toBe(total);
  });

  it('keeps the batches committed before an interruption, and a rerun completes the rest', async () => {
    const stop = new AbortController();
    await expect(
      seedCrm(sql, {
        accounts: 30,
        seed: 3,
        asOf,
        batchSize: 10,
        signal: stop.signal,
        onProgress: () => stop.abort(),
      }),
    ).rejects.toThrow();
    expect(await rows('crm_accounts')).toBe(10);
    const rest = await seedCrm(sql, { accounts: 30, seed: 3, asOf, batchSize: 10 });
    expect(rest.inserted.account).toBe(20);
    expect(await rows('crm_accounts')).toBe(30);
  });

  it('produces data the tools read back: the same records through get_account, risk through account_health', async () => {
    await seedCrm(sql, { accounts: 40, seed: 42, asOf });
    const bundle = generateAccount(0, { seed: 42, asOf });
    const overview = await crm.data<{ account: unknown; counts: Record<string, number> }>('get_account', {
      id: 'acc_s42_000001',
    });
    expect(overview.account).toEqual(bundle.account[0]);
    expect(overview.counts).toEqual({
      contacts: bundle.contact.length,
      deals: bundle.deal.length,
      activities: bundle.activity.length,
      notes: bundle.note.length,
      tasks: bundle.task.length,
    });
    const page = await crm.data<{ accounts: Array<{ id: string }>; total: number }>('search_accounts', {
      paymentStatus: ['delinquent', 'late'],
      limit: 100,
    });
    expect(page.total).toBeGreaterThan(0);
    const levels = new Set<string>();
    for (const { id } of page.accounts) {
      const health = await crm.data<{ riskLevel: string; factors: Array<{ factor: string }> }>(
        'account_health',
        { id },
      );
      expect(health.factors.map((f) => f.factor)).toContain('payment');
      levels.add(health.riskLevel);
    }
    expect(levels.size).toBeGreaterThan(1);
  });
});

describe('switchyard seed crm', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-seed-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const seed = (...args: string[]) => {
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(import.meta.dirname, '../../../../app/cli.ts'),
        'seed',
        ...args,
      ],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: dir, SWITCHYARD_HOME: join(dir, 'home') },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('seeds the embedded store with a progress bar on stderr and the report on stdout, then adds only what is missing', () => {
    const first = seed('crm', '--accounts', '20', '--seed', '42', '--as-of', '2026-06-15');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/seeding crm \[.*\] 100% 20\/20 accounts/);
    const report = JSON.parse(first.stdout) as { inserted: Record<string, number>; skipped: number };
    expect(report).toMatchObject({ seed: 42, asOf: '2026-06-15', accounts: 20, skipped: 0 });
    expect(report.inserted['account']).toBe(20);

    const second = seed('crm', '--accounts', '21', '--seed', '42', '--as-of', '2026-06-15');
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ inserted: { account: 1 } });
    // Two processes, each opening the embedded database: seconds each on a loaded two-core machine.
  }, 120_000);

  it('refuses an unknown target, a bad count and an impossible date, saying what is expected', () => {
    expect(seed('nothing').stderr).toMatch(/unknown seed target 'nothing'; known targets: crm/);
    expect(seed('crm', '--accounts', 'many').stderr).toMatch(/--accounts.*expected a whole number/);
    const badDate = seed('crm', '--as-of', '2026-02-30');
    expect(badDate.status).not.toBe(0);
    expect(badDate.stderr).toMatch(/expected a date as YYYY-MM-DD/);
    // Three CLI processes (tsx compiles each): tens of seconds on a loaded two-core machine.
  }, 120_000);
});
