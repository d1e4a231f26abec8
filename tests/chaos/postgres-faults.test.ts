import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ChaosCluster } from '../support/chaos/cluster.js';
import { ChaosDb } from '../support/chaos/chaos-db.js';
import { expectExactlyOnce } from '../support/chaos/fault-assertions.js';
import { OwnPostgres } from '../support/chaos/own-postgres.js';
import { deleteRedisKeys } from '../support/chaos/redis-keys.js';
import { REDIS_URL, redisAnswers } from '../support/redis.js';

// Fault 2: the database goes away under ≥ 100 runs in flight, twice per test: once while the runs
// start (data retrieval, memory analysis, the approval gate) and once while their approvals are
// being granted over the API (crm writes, memory sync). Variant one restarts a private PostgreSQL
// (`pg_ctl restart -m fast`); variant two ends every Switchyard session with pg_terminate_backend.
// Every run must complete, with crm rows equal to the writes it executed and no effect twice; no
// process may crash. Redis is the shared one (a unique key prefix, deleted after).
// CHAOS_PG_TASKS (default 120) tasks per variant.

const TASKS = Number(process.env.CHAOS_PG_TASKS ?? 120);
const IN_FLIGHT = Math.min(100, TASKS - 10);
const REDIS_UP = await redisAnswers();
if (!REDIS_UP) console.warn(`postgres fault tests skipped: no Redis answers at ${REDIS_URL}`);

type Variant = 'restart' | 'terminate';

describe.skipIf(!REDIS_UP)('PostgreSQL lost under runs in flight', () => {
  let pg: OwnPostgres | undefined;
  let db: ChaosDb | undefined;
  let cluster: ChaosCluster | undefined;
  let prefix = '';
  let label = '';

  afterEach(async () => {
    if (cluster) console.log(`fault ${label}: process logs in ${cluster.writeLogs(label)}`);
    await cluster?.destroy();
    await db?.close();
    await pg?.destroy();
    await deleteRedisKeys(REDIS_URL, prefix);
  });

  /** Injects the variant's fault; answers what it did, for the log. */
  const inject = async (variant: Variant): Promise<string> => {
    const start = Date.now();
    if (variant === 'restart') {
      await pg!.restart();
      return `restarted in ${Date.now() - start} ms`;
    }
    const ended = await pg!.terminateBackends({ applicationLike: 'switchyard%' });
    return `terminated ${ended} sessions`;
  };

  const scenario = (variant: Variant) => async () => {
    label = `postgres-${variant}`;
    pg = await OwnPostgres.create();
    db = await ChaosDb.open(pg.url, 'switchyard');
    const accounts = await db.prepare(TASKS);
    prefix = `chaos-pg-${randomUUID().slice(0, 8)}`;
    cluster = new ChaosCluster({
      databaseUrl: pg.url,
      redisUrl: REDIS_URL,
      schema: 'switchyard',
      prefix,
      // No autoApprove: runs stop at the gate, so ≥ 100 are in flight at once.
      config: { redis: { lockDurationMs: 2_000 } },
    });
    await Promise.all([cluster.startBridge(), cluster.startWorker('a'), cluster.startWorker('b')]);

    const ledger = await cluster.submit(
      accounts.map((accountId) => ({
        agent: 'account-review',
        input: { accountId },
        idempotencyKey: `review-${accountId}`,
      })),
      { concurrency: 4 },
    );
    expect(ledger.answered.length, ledger.describe()).toBe(TASKS);
    const ids = ledger.runIds;
    const started = (counts: Record<string, number>) =>
      TASKS - (counts['missing'] ?? 0) - (counts['queued'] ?? 0);

    // Fault one: while the runs start (their first steps write snapshots, events and effects).
    const deadline = Date.now() + 120_000;
    let counts = await db.statusCounts(ids);
    while (started(counts) < TASKS * 0.3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      counts = await db.statusCounts(ids);
    }
    const first = await inject(variant);
    console.log(`fault postgres-${variant} #1 (${JSON.stringify(counts)}): ${first}`);

    // Every run reaches its approval gate (or lands: a run the fault failed shows up in the verdict).
    const gated = await db.waitAllLanded(ids, {
      timeoutMs: 150_000,
      stallMs: 30_000,
      // Reuses the landed wait with awaiting_approval counted as a stop.
      stops: ['awaiting_approval'],
    });
    console.log(`fault postgres-${variant}: before the approvals ${JSON.stringify(gated)}`);

    // Fault two: while approvals are granted (crm writes and memory sync under way).
    const pending = Object.entries(gated.statuses)
      .filter(([status]) => !['completed', 'failed', 'cancelled', 'needs_attention'].includes(status))
      .reduce((sum, [, n]) => sum + n, 0);
    expect(
      pending,
      `runs in flight before fault two: ${JSON.stringify(gated.statuses)}`,
    ).toBeGreaterThanOrEqual(IN_FLIGHT);
    let second: Promise<string> | undefined;
    const failedApprovals = await cluster.client.approveAll(ids, {
      concurrency: 4,
      retryForMs: 60_000,
      onDecided: (done) => {
        if (done === Math.ceil(TASKS / 10)) second = inject(variant);
      },
    });
    console.log(
      `fault postgres-${variant} #2: ${await second}; approvals that failed: ${JSON.stringify(failedApprovals.slice(0, 5))}`,
    );

    const wait = await db.waitAllLanded(ids, { timeoutMs: 150_000, stallMs: 45_000, everyRun: true });
    console.log(`fault postgres-${variant}: after the approvals ${JSON.stringify(wait)}`);
    const report = await db.verify(`postgres-${variant}`, ledger);
    for (const proc of cluster.all) expect.soft(proc.alive, `${proc.name} exited\n${proc.tail()}`).toBe(true);
    expect.soft(failedApprovals, 'every approval was accepted in the end').toEqual([]);
    expectExactlyOnce(report, () => cluster!.tails());
  };

  it(
    'every run completes exactly once across two PostgreSQL restarts',
    { timeout: 420_000 },
    scenario('restart'),
  );

  it(
    'every run completes exactly once when every Switchyard session is terminated, twice',
    { timeout: 420_000 },
    scenario('terminate'),
  );
});
