import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ChaosCluster } from '../support/chaos/cluster.js';
import { ChaosDb } from '../support/chaos/chaos-db.js';
import { expectExactlyOnce } from '../support/chaos/fault-assertions.js';
import { OwnRedis } from '../support/chaos/own-redis.js';
import { SubmitLedger } from '../support/chaos/task-client.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres.js';

// Fault 1: the queue's Redis is shut down without saving (every job gone) and started again, empty,
// while at least 50 submitted tasks wait in it; more tasks are submitted during the outage. Every
// task the bridge answered with a run id must complete exactly once, and no process may crash.
// The wait is made real with the agent's rate limit (BullMQ's limiter): tasks queue up behind it.
// CHAOS_TASKS (default 60) are submitted before the fault, CHAOS_OUTAGE_TASKS (default 10) during
// it; CHAOS_OUTAGE_MS (default 5000) is how long Redis stays down.

const TASKS = Number(process.env.CHAOS_TASKS ?? 60);
const OUTAGE_TASKS = Number(process.env.CHAOS_OUTAGE_TASKS ?? 10);
const OUTAGE_MS = Number(process.env.CHAOS_OUTAGE_MS ?? 5_000);
/** Runs started per second across the workers: slow enough that the submitted tasks wait. */
const RATE = Number(process.env.CHAOS_RATE ?? 4);
const MIN_WAITING = Math.min(50, TASKS - 5);

describe('Redis shut down (nosave) and restarted while tasks wait', () => {
  const schema = uniqueSchema('chaos_redis');
  let redis: OwnRedis | undefined;
  let db: ChaosDb | undefined;
  let cluster: ChaosCluster | undefined;

  afterAll(async () => {
    if (cluster) console.log(`fault redis-restart: process logs in ${cluster.writeLogs('redis-restart')}`);
    await cluster?.destroy();
    await db?.close();
    await redis?.destroy();
    await dropSchema(schema);
  });

  it('completes every task it answered exactly once, and nothing crashes', { timeout: 300_000 }, async () => {
    redis = await OwnRedis.create();
    db = await ChaosDb.open(TEST_DATABASE_URL, schema);
    const accounts = await db.prepare(TASKS + OUTAGE_TASKS);
    cluster = new ChaosCluster({
      databaseUrl: TEST_DATABASE_URL,
      redisUrl: redis.url,
      schema,
      prefix: `chaos-${randomUUID().slice(0, 8)}`,
      config: {
        agents: {
          policies: { 'account-review': { autoApprove: true } },
          rateLimits: { 'account-review': { max: RATE, durationMs: 1_000 } },
        },
        redis: { lockDurationMs: 2_000 },
      },
    });
    await Promise.all([
      cluster.startBridge(),
      cluster.startWorker('a', { concurrency: 2 }),
      cluster.startWorker('b', { concurrency: 2 }),
    ]);
    const spec = (accountId: string) => ({
      agent: 'account-review',
      input: { accountId },
      idempotencyKey: `review-${accountId}`,
    });

    const ledger = await cluster.submit(accounts.slice(0, TASKS).map(spec), { concurrency: 4 });
    expect(ledger.answered.length, ledger.describe()).toBe(TASKS);
    // Precondition: the fault must hit tasks that wait (not started: no run row, or still queued).
    const before = await db.statusCounts(ledger.runIds);
    const waiting = (before['missing'] ?? 0) + (before['queued'] ?? 0);
    expect(waiting, `statuses before the fault: ${JSON.stringify(before)}`).toBeGreaterThanOrEqual(
      MIN_WAITING,
    );

    const beforeIds = ledger.runIds;
    await redis.shutdownNoSave();
    const faultAt = Date.now();
    // During the outage: submits (answered or not, each recorded), liveness and readiness.
    const duringOutage = new SubmitLedger();
    const submitting = cluster.submit(accounts.slice(TASKS).map(spec), {
      concurrency: 2,
      ledger: duringOutage,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const health = await cluster.client.request('GET', '/health').then(
      (r) => r.status,
      (error: unknown) => `no answer: ${String(error)}`,
    );
    const ready = await cluster.client.request('GET', '/ready').then(
      async (r) => ({ status: r.status, body: await r.text() }),
      (error: unknown) => ({ status: 0, body: `no answer: ${String(error)}` }),
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - faultAt))));
    await redis.start();
    await submitting;
    ledger.records.push(...duringOutage.records.map((r) => ({ ...r, index: r.index + TASKS })));
    console.log(
      `redis outage ${Date.now() - faultAt} ms: ${waiting} tasks waited; outage submits: ${duringOutage.describe()}; ` +
        `/health ${health}; /ready ${ready.status} ${ready.body.slice(0, 300)}`,
    );

    const wait = await db.waitAllLanded(ledger.runIds, {
      timeoutMs: 150_000,
      stallMs: 30_000,
      everyRun: true,
    });
    console.log(`wait: ${JSON.stringify(wait)}`);
    const report = await db.verify('redis-restart', ledger);
    const context = () => cluster!.tails();
    const lost = new Set(report.lostRuns.map((r) => r.runId));
    console.log(
      `fault redis-restart lost by phase: submitted before the fault ${beforeIds.filter((id) => lost.has(id)).length} of ${beforeIds.length}, ` +
        `during the outage ${duringOutage.runIds.filter((id) => lost.has(id)).length} of ${duringOutage.answered.length} answered`,
    );

    // Nothing crashed: the bridge and both workers outlived the outage.
    for (const proc of cluster.all) expect.soft(proc.alive, `${proc.name} exited\n${proc.tail()}`).toBe(true);
    expect.soft(health, 'the bridge answers /health while Redis is down').toBe(200);
    expect.soft(ready.status, `/ready says the queue is unavailable: ${ready.body}`).toBe(503);
    expect.soft(ready.body, '/ready says why').toMatch(/redis|queue/i);
    // Accept = persist: a submit during the outage is stored and answered, and runs when Redis is back.
    expect
      .soft(duringOutage.answered.length, `outage submits: ${duringOutage.describe()}`)
      .toBe(OUTAGE_TASKS);
    expectExactlyOnce(report, context);
  });
});
