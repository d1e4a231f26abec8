import { seedCrm } from '../../../mcp-servers/crm/seed/seed-crm.js';
import { migrate } from '../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../app/database/schema-migrations.js';
import { PgSql } from '../../../stores/sql/pg-sql.js';
import { CHECK_APPLICATION_NAME } from './own-postgres.js';
import type { SubmitLedger } from './task-client.js';

/** Statuses a run does not leave without a person: a wait for runs ends when all are in one. */
export const LANDED_STATUSES = ['completed', 'failed', 'cancelled', 'needs_attention'] as const;

export interface WaitResult {
  /** Run ids (of those waited for) in a landed status. */
  landed: number;
  /** Run status → count, over the ids waited for (`missing` for ids without a row). */
  statuses: Record<string, number>;
  /** Why the wait ended. */
  ended: 'all_landed' | 'timeout' | 'stalled';
  waitedMs: number;
}

/** One run's facts for the exactly-once checks. */
interface RunFacts {
  id: string;
  status: string;
  account: string | null;
  started: number;
  executed: Array<{ ok: boolean; action: string }> | null;
}

/** What a fault did to the submitted tasks: the summary line's numbers and the evidence behind them. */
export interface FaultReport {
  fault: string;
  submitted: number;
  answered: number;
  refused: number;
  unanswered: number;
  /** Answered runs that completed. */
  completed: number;
  /** Runs (or accounts) with an effect or a start more than once. */
  duplicated: number;
  /** Answered run ids without a completed run. */
  lost: number;
  statuses: Record<string, number>;
  /** Runs that ended failed or need attention: error code and message → count. */
  failures: Record<string, number>;
  lostRuns: Array<{ runId: string; status: string }>;
  violations: {
    /** Runs with more than one `run_started` event. */
    startedTwice: Array<{ runId: string; started: number }>;
    /** Completed runs whose crm rows differ from the writes their output says they executed. */
    crmMismatch: Array<{ runId: string; expected: CrmCounts; found: CrmCounts }>;
    /** Journal rows of non-idempotent effects tried more than once. */
    repeatedEffects: Array<{ runId: string; key: string; name: string; attempts: number }>;
    /** Accounts (one submit each) reviewed by more than one run. */
    accountsRunTwice: Array<{ accountId: string; runs: number }>;
    /** Refused submits whose account has a run anyway. */
    refusedWithRun: string[];
    /** Runs nobody got an id for (an unanswered submit's) that did not complete. */
    strandedRuns: Array<{ runId: string; status: string }>;
  };
  /** Unanswered submits whose account has a run (allowed: the service may have accepted them). */
  unansweredWithRun: number;
}

interface CrmCounts {
  tasks: number;
  notes: number;
  updates: number;
}

/**
 * The test's own view of the database: it migrates and seeds the schema, waits for runs, and
 * checks what the fault did. Its connections are named {@link CHECK_APPLICATION_NAME}, so a
 * fault that kills Switchyard's sessions spares them, and every read is retried while the
 * database is down (the test outlives the outage it causes).
 */
export class ChaosDb {
  /** crm_changes before any run: updates after it are the runs'. */
  private changeBaseline = 0;

  private constructor(readonly sql: PgSql) {}

  static async open(url: string, schema: string): Promise<ChaosDb> {
    const sql = await new PgSql({
      connectionString: url,
      schema,
      maxConnections: 3,
      applicationName: CHECK_APPLICATION_NAME,
    }).open();
    return new ChaosDb(sql);
  }

  /** Migrates, seeds `accounts` crm accounts and answers their ids (sorted). */
  async prepare(accounts: number, seed = 7): Promise<string[]> {
    await migrate(this.sql, MIGRATIONS);
    await seedCrm(this.sql, { accounts, seed });
    this.changeBaseline = (
      await this.sql.query<{ max: number }>('SELECT coalesce(max(seq), 0)::int AS max FROM crm_changes')
    ).rows[0]!.max;
    return (await this.sql.query<{ id: string }>('SELECT id FROM crm_accounts ORDER BY id')).rows.map(
      (r) => r.id,
    );
  }

  /** A query retried (every 250 ms, for up to `retryMs`) while the database does not answer. */
  async query<Row>(text: string, params: unknown[] = [], retryMs = 60_000): Promise<Row[]> {
    const deadline = Date.now() + retryMs;
    for (;;) {
      try {
        return (await this.sql.query<Row>(text, params)).rows;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** Run status → count over `runIds` (ids without a row count as `missing`). */
  async statusCounts(runIds: readonly string[]): Promise<Record<string, number>> {
    const rows = await this.query<{ status: string; n: number }>(
      `SELECT coalesce(r.status, 'missing') AS status, count(*)::int AS n
       FROM unnest($1::text[]) AS ids(id) LEFT JOIN runs r ON r.id = ids.id GROUP BY 1 ORDER BY 1`,
      [[...new Set(runIds)]],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /**
   * Waits until every run of `runIds` has landed (completed, failed, cancelled, needs attention,
   * or one of `stops`),
   * `timeoutMs` passed, or nothing moved (no status, step or event count changed) for `stallMs`:
   * a run that was lost never lands, and a test should say so without waiting out its timeout.
   */
  async waitAllLanded(
    runIds: readonly string[],
    options: {
      timeoutMs: number;
      stallMs?: number;
      /** More statuses that end the wait (e.g. awaiting_approval, to wait for the gates). */
      stops?: readonly string[];
      /** Wait for every run in the schema as well, not only `runIds`. */
      everyRun?: boolean;
      onPoll?: (statuses: Record<string, number>) => void;
    },
  ): Promise<WaitResult> {
    let ids = [...new Set(runIds)];
    const start = Date.now();
    const stallMs = options.stallMs ?? 30_000;
    let fingerprint = '';
    let movedAt = Date.now();
    for (;;) {
      // Runs nobody was told about (a submit whose answer was lost) must land too.
      if (options.everyRun)
        ids = [
          ...new Set([...ids, ...(await this.query<{ id: string }>('SELECT id FROM runs')).map((r) => r.id)]),
        ];
      const [row] = await this.query<{ landed: number; progress: string }>(
        `SELECT count(*) FILTER (WHERE r.status = ANY($2))::int AS landed,
                concat_ws('/', count(r.id), sum(r.steps), string_agg(r.status, ',' ORDER BY r.id),
                          (SELECT count(*) FROM run_events e WHERE e.run_id = ANY($1))) AS progress
         FROM runs r WHERE r.id = ANY($1)`,
        [ids, [...LANDED_STATUSES, ...(options.stops ?? [])]],
      );
      const waitedMs = Date.now() - start;
      const done = (ended: WaitResult['ended']) =>
        this.statusCounts(ids).then((statuses) => ({ landed: row!.landed, statuses, ended, waitedMs }));
      if (row!.landed === ids.length) return done('all_landed');
      if (row!.progress !== fingerprint) {
        fingerprint = row!.progress;
        movedAt = Date.now();
      }
      if (options.onPoll) options.onPoll(await this.statusCounts(ids));
      if (waitedMs > options.timeoutMs) return done('timeout');
      if (Date.now() - movedAt > stallMs) return done('stalled');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * The exactly-once checks of tests/e2e/workers-kill.test.ts over every run in the schema, against
   * what the client saw (`ledger`; each submit reviews its own account): completed / lost for the
   * answered ids; duplicates are a second `run_started`, crm rows beyond the writes a run executed,
   * a non-idempotent effect tried twice, or a second run for one account. Prints the summary line.
   */
  async verify(fault: string, ledger: SubmitLedger): Promise<FaultReport> {
    const runs = await this.query<RunFacts>(
      `SELECT r.id, r.status, r.input->>'accountId' AS account, r.output->'executed' AS executed,
              (SELECT count(*)::int FROM run_events e WHERE e.run_id = r.id AND e.type = 'run_started') AS started
       FROM runs r ORDER BY r.id`,
    );
    const crmBy = async (table: string) =>
      new Map(
        (
          await this.query<{ run: string; n: number }>(
            `SELECT split_part(idempotency_key, '/', 1) AS run, count(*)::int AS n FROM ${table}
             WHERE idempotency_key IS NOT NULL GROUP BY 1`,
          )
        ).map((r) => [r.run, r.n]),
      );
    const tasks = await crmBy('crm_tasks');
    const notes = await crmBy('crm_notes');
    const updates = new Map(
      (
        await this.query<{ account: string; n: number }>(
          `SELECT account_id AS account, count(*)::int AS n FROM crm_changes
           WHERE seq > $1 AND record_type = 'account' AND operation = 'updated' GROUP BY 1`,
          [this.changeBaseline],
        )
      ).map((r) => [r.account, r.n]),
    );
    const repeatedEffects = await this.query<{ runId: string; key: string; name: string; attempts: number }>(
      `SELECT run_id AS "runId", key, name, attempts FROM run_effects
       WHERE NOT idempotent AND attempts > 1 ORDER BY run_id, key`,
    );

    const failureRows = await this.query<{ why: string; n: number }>(
      `SELECT r.status || ': ' || coalesce(r.error->>'code', '?') || ': ' || left(coalesce(r.error->>'message', ''), 200) AS why,
              count(*)::int AS n
       FROM runs r WHERE r.status IN ('failed', 'needs_attention') GROUP BY 1 ORDER BY 2 DESC`,
    );
    const byId = new Map(runs.map((run) => [run.id, run]));
    const runsPerAccount = new Map<string, number>();
    for (const run of runs)
      if (run.account) runsPerAccount.set(run.account, (runsPerAccount.get(run.account) ?? 0) + 1);

    const answeredIds = [...new Set(ledger.runIds)];
    const lostRuns = answeredIds
      .filter((id) => byId.get(id)?.status !== 'completed')
      .map((runId) => ({ runId, status: byId.get(runId)?.status ?? 'missing' }));
    const answeredSet = new Set(answeredIds);
    const strandedRuns = runs
      .filter((run) => !answeredSet.has(run.id) && run.status !== 'completed')
      .map((run) => ({ runId: run.id, status: run.status }));
    const startedTwice = runs
      .filter((run) => run.started > 1)
      .map((run) => ({ runId: run.id, started: run.started }));
    const crmMismatch: FaultReport['violations']['crmMismatch'] = [];
    for (const run of runs) {
      if (run.status !== 'completed' || !run.executed) continue;
      const ok = run.executed.filter((write) => write.ok);
      const expected = {
        tasks: ok.filter((w) => w.action === 'create_task').length,
        notes: ok.filter((w) => w.action === 'add_note').length,
        updates: ok.filter((w) => w.action === 'update_status').length,
      };
      // Account updates carry no idempotency key: they are counted per account, one run each.
      const found = {
        tasks: tasks.get(run.id) ?? 0,
        notes: notes.get(run.id) ?? 0,
        updates:
          run.account && runsPerAccount.get(run.account) === 1
            ? (updates.get(run.account) ?? 0)
            : expected.updates,
      };
      if (
        found.tasks !== expected.tasks ||
        found.notes !== expected.notes ||
        found.updates !== expected.updates
      )
        crmMismatch.push({ runId: run.id, expected, found });
    }
    const accountsRunTwice = [...runsPerAccount]
      .filter(([, n]) => n > 1)
      .map(([accountId, n]) => ({ accountId, runs: n }));
    const accountOf = (input: unknown) => (input as { accountId?: string } | null)?.accountId;
    const refusedWithRun = ledger.refused
      .map((r) => accountOf(r.spec.input))
      .filter((account): account is string => account !== undefined && runsPerAccount.has(account));
    const unansweredWithRun = ledger.unanswered.filter((r) =>
      runsPerAccount.has(accountOf(r.spec.input) ?? ''),
    ).length;

    const duplicatedIds = new Set<string>([
      ...startedTwice.map((v) => v.runId),
      ...crmMismatch
        .filter(
          (v) =>
            v.found.tasks > v.expected.tasks ||
            v.found.notes > v.expected.notes ||
            v.found.updates > v.expected.updates,
        )
        .map((v) => v.runId),
      ...repeatedEffects.map((v) => v.runId),
      ...accountsRunTwice.map((v) => `account:${v.accountId}`),
    ]);
    const report: FaultReport = {
      fault,
      submitted: ledger.records.length,
      answered: answeredIds.length,
      refused: ledger.refused.length,
      unanswered: ledger.unanswered.length,
      completed: answeredIds.length - lostRuns.length,
      duplicated: duplicatedIds.size,
      lost: lostRuns.length,
      statuses: await this.statusCounts(answeredIds),
      failures: Object.fromEntries(failureRows.map((r) => [r.why, r.n])),
      lostRuns,
      violations: {
        startedTwice,
        crmMismatch,
        repeatedEffects,
        accountsRunTwice,
        refusedWithRun,
        strandedRuns,
      },
      unansweredWithRun,
    };
    console.log(summaryLine(report));
    console.log(`fault ${fault} details: ${describeReport(report)}`);
    return report;
  }

  /**
   * A fingerprint of every landed run: its row (status, owner, steps, updated_at, snapshot and
   * output), its event count and last event, its journal and its crm rows. Two fingerprints that
   * differ mean something wrote to the run in between.
   */
  async fingerprints(): Promise<Map<string, string>> {
    const rows = await this.query<{ id: string; print: string }>(
      `SELECT r.id, concat_ws(' | ', r.status, r.owner, r.steps, r.updated_at::text,
                md5(coalesce(r.snapshot::text, '') || coalesce(r.output::text, '')),
                (SELECT count(*) || ' events, last ' || coalesce(max(e.seq), 0) FROM run_events e WHERE e.run_id = r.id),
                (SELECT md5(coalesce(string_agg(f.key || ':' || f.status || ':' || f.attempts, ',' ORDER BY f.key), ''))
                   FROM run_effects f WHERE f.run_id = r.id),
                (SELECT count(*) || ' crm tasks' FROM crm_tasks t WHERE split_part(t.idempotency_key, '/', 1) = r.id),
                (SELECT count(*) || ' crm notes' FROM crm_notes n WHERE split_part(n.idempotency_key, '/', 1) = r.id)) AS print
       FROM runs r WHERE r.status = ANY($1)`,
      [[...LANDED_STATUSES]],
    );
    return new Map(rows.map((row) => [row.id, row.print]));
  }

  async close(): Promise<void> {
    await this.sql.close();
  }
}

/** Runs of `before` whose fingerprint changed (or vanished) in `after`. */
export function changedRuns(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): Array<{ runId: string; before: string; after: string }> {
  const changed = [];
  for (const [runId, print] of before) {
    const now = after.get(runId) ?? '(not landed any more)';
    if (now !== print) changed.push({ runId, before: print, after: now });
  }
  return changed;
}

/** `fault <name>: submitted N, completed N, duplicated N, lost N` */
export function summaryLine(report: FaultReport): string {
  return `fault ${report.fault}: submitted ${report.submitted}, completed ${report.completed}, duplicated ${report.duplicated}, lost ${report.lost}`;
}

/** The evidence behind the numbers, short enough for a log line or an assertion message. */
export function describeReport(report: FaultReport): string {
  const v = report.violations;
  const first = <T>(list: T[]) => JSON.stringify(list.slice(0, 5));
  return [
    `answered ${report.answered}, refused ${report.refused}, unanswered ${report.unanswered} (${report.unansweredWithRun} of them have a run)`,
    `statuses of answered runs ${JSON.stringify(report.statuses)}`,
    Object.keys(report.failures).length ? `run failures ${JSON.stringify(report.failures)}` : '',
    report.lost ? `lost ${first(report.lostRuns)}` : '',
    v.startedTwice.length ? `started twice ${v.startedTwice.length} ${first(v.startedTwice)}` : '',
    v.crmMismatch.length ? `crm rows ≠ executed writes ${v.crmMismatch.length} ${first(v.crmMismatch)}` : '',
    v.repeatedEffects.length
      ? `non-idempotent effects repeated ${v.repeatedEffects.length} ${first(v.repeatedEffects)}`
      : '',
    v.accountsRunTwice.length
      ? `accounts run twice ${v.accountsRunTwice.length} ${first(v.accountsRunTwice)}`
      : '',
    v.refusedWithRun.length
      ? `refused submits that have a run ${v.refusedWithRun.length} ${first(v.refusedWithRun)}`
      : '',
    v.strandedRuns.length
      ? `runs of unanswered submits not completed ${v.strandedRuns.length} ${first(v.strandedRuns)}`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
}
