import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ChaosCluster } from '../support/chaos/cluster.js';
import { ChaosDb, changedRuns, LANDED_STATUSES } from '../support/chaos/chaos-db.js';
import { expectExactlyOnce } from '../support/chaos/fault-assertions.js';
import { deleteRedisKeys } from '../support/chaos/redis-keys.js';
import { type CutMode, TcpProxy } from '../support/chaos/tcp-proxy.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres.js';
import { REDIS_URL, redisAnswers } from '../support/redis.js';

// Fault 3: worker `a` reaches PostgreSQL and Redis only through TCP proxies of this test, and is
// cut off (both proxies) while it holds runs, for longer than a run's lease. Its runs must finish
// on worker `b`; once `a` is reconnected it must write nothing for them (every landed run is
// fingerprinted before the reconnect and compared after it), and every task completes once.
// The lease is RunSupervisor's default, 30 s: config does not expose `leaseMs` (compose-runtime
// takes it, composeTasks never passes it), so the partition lasts 40 s. CHAOS_PARTITION_MS
// changes that, CHAOS_PARTITION_TASKS (default 60) the task count, CHAOS_PARTITION_MODE
// (blackhole | reset, default blackhole) what the cut does to open connections.

const TASKS = Number(process.env.CHAOS_PARTITION_TASKS ?? 60);
const LEASE_MS = 30_000;
const PARTITION_MS = Number(process.env.CHAOS_PARTITION_MS ?? LEASE_MS + 10_000);
/** `a` holds this many runs when it is cut off. */
const A_CONCURRENCY = 6;
const MODE = (process.env.CHAOS_PARTITION_MODE ?? 'blackhole') as CutMode;
/** After the reconnect: a's lease tick (a third of the lease) and its delayed writes have run. */
const AFTER_RECONNECT_MS = Number(process.env.CHAOS_AFTER_RECONNECT_MS ?? 20_000);
const REDIS_UP = await redisAnswers();
if (!REDIS_UP) console.warn(`partition test skipped: no Redis answers at ${REDIS_URL}`);

const hostPort = (url: string, port: number) => ({
  host: new URL(url).hostname,
  port: Number(new URL(url).port || port),
});

describe.skipIf(!REDIS_UP)('a worker partitioned from PostgreSQL and Redis for longer than its lease', () => {
  const schema = uniqueSchema('chaos_part');
  const prefix = `chaos-part-${randomUUID().slice(0, 8)}`;
  let db: ChaosDb | undefined;
  let cluster: ChaosCluster | undefined;
  const proxies: TcpProxy[] = [];

  afterAll(async () => {
    if (cluster)
      console.log(`fault worker-partition: process logs in ${cluster.writeLogs('worker-partition')}`);
    await cluster?.destroy();
    for (const proxy of proxies) await proxy.close();
    await db?.close();
    await dropSchema(schema);
    await deleteRedisKeys(REDIS_URL, prefix);
  });

  it(
    'finishes its runs on the other worker, and writes nothing for them once back',
    { timeout: 300_000 },
    async () => {
      db = await ChaosDb.open(TEST_DATABASE_URL, schema);
      const accounts = await db.prepare(TASKS);
      const pgProxy = await TcpProxy.start(hostPort(TEST_DATABASE_URL, 5432));
      const redisProxy = await TcpProxy.start(hostPort(REDIS_URL, 6379));
      proxies.push(pgProxy, redisProxy);
      cluster = new ChaosCluster({
        databaseUrl: TEST_DATABASE_URL,
        redisUrl: REDIS_URL,
        schema,
        prefix,
        config: {
          agents: { policies: { 'account-review': { autoApprove: true } } },
          redis: { lockDurationMs: 2_000 },
        },
      });
      // `b` starts once `a` is cut off: until then `a` takes every task, so it holds a full slate.
      const [, a] = await Promise.all([
        cluster.startBridge(),
        cluster.startWorker('a', {
          concurrency: A_CONCURRENCY,
          databaseUrl: pgProxy.urlFor(TEST_DATABASE_URL),
          redisUrl: redisProxy.urlFor(REDIS_URL),
        }),
      ]);
      const aRuns = async () =>
        (
          await db!.query<{ id: string }>(
            `SELECT id FROM runs WHERE split_part(owner, ':', 2) = $1 AND NOT (status = ANY($2))`,
            [String(a.pid), [...LANDED_STATUSES]],
          )
        ).map((r) => r.id);

      const submitting = cluster.submit(
        accounts.map((accountId) => ({
          agent: 'account-review',
          input: { accountId },
          idempotencyKey: `review-${accountId}`,
        })),
        { concurrency: 4 },
      );
      // Cut when `a` holds runs in flight.
      const deadline = Date.now() + 60_000;
      let held = await aRuns();
      while (held.length < A_CONCURRENCY && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        held = await aRuns();
      }
      pgProxy.cut(MODE);
      redisProxy.cut(MODE);
      const cutAt = Date.now();
      held = await aRuns();
      console.log(
        `fault worker-partition: cut (${MODE}) worker a (pid ${a.pid}) holding ${held.length} runs`,
      );
      expect(held.length, 'worker a held runs when it was cut off').toBeGreaterThan(0);
      await cluster.startWorker('b', { concurrency: 4 });
      const ledger = await submitting;
      expect(ledger.answered.length, ledger.describe()).toBe(TASKS);

      // The partition outlasts the lease; the runs should all land on `b` meanwhile.
      const during = await db.waitAllLanded(ledger.runIds, {
        timeoutMs: PARTITION_MS - 1_000,
        stallMs: PARTITION_MS,
      });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, PARTITION_MS - (Date.now() - cutAt))));
      const beforeReconnect = await db.fingerprints();
      const aAliveAtReconnect = a.alive;
      console.log(
        `fault worker-partition: ${Date.now() - cutAt} ms cut off; during it ${JSON.stringify(during.statuses)}; ` +
          `held connections ${pgProxy.stats.held} pg, ${redisProxy.stats.held} redis`,
      );
      pgProxy.restore();
      redisProxy.restore();
      const logMark = a.log().length;
      await new Promise((resolve) => setTimeout(resolve, AFTER_RECONNECT_MS));
      const after = await db.waitAllLanded(ledger.runIds, {
        timeoutMs: 60_000,
        stallMs: 30_000,
        everyRun: true,
      });
      const afterReconnect = await db.fingerprints();
      const rewritten = changedRuns(beforeReconnect, afterReconnect);
      const aAfter = a.log().slice(logMark);
      const aLines = aAfter.split('\n').filter((line) => held.some((id) => line.includes(id)));
      console.log(
        `fault worker-partition: after the reconnect ${JSON.stringify(after.statuses)}; ` +
          `${rewritten.length} landed runs written again; worker a logged ${aLines.length} lines about its old runs, e.g. ${aLines.slice(0, 3).join(' ').slice(0, 1500)}`,
      );

      // Who ran the held runs last: `b` took each of them over (a run_resumed event of another owner).
      const owners = await db.query<{ run_id: string; owner: string; type: string }>(
        `SELECT run_id, data->>'owner' AS owner, type FROM run_events
       WHERE run_id = ANY($1) AND type IN ('run_started', 'run_resumed') ORDER BY run_id, seq`,
        [held],
      );
      const takenOver = held.filter((id) =>
        owners.some(
          (e) => e.run_id === id && e.type === 'run_resumed' && e.owner.split(':')[1] !== String(a.pid),
        ),
      );
      const report = await db.verify('worker-partition', ledger);

      expect
        .soft(during.ended, `all runs landed during the partition: ${JSON.stringify(during.statuses)}`)
        .toBe('all_landed');
      expect.soft(takenOver, 'every run a held was taken over by another worker').toEqual(held);
      expect.soft(rewritten, 'nothing wrote to a landed run after a came back').toEqual([]);
      expect.soft(aAliveAtReconnect, `worker a survived the partition\n${a.tail()}`).toBe(true);
      for (const proc of cluster.all)
        expect.soft(proc.alive, `${proc.name} exited\n${proc.tail()}`).toBe(true);
      expectExactlyOnce(report, () => cluster!.tails());
    },
  );
});
