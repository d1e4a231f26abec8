import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ChaosCluster } from '../support/chaos/cluster.js';
import { ChaosDb } from '../support/chaos/chaos-db.js';
import { expectExactlyOnce } from '../support/chaos/fault-assertions.js';
import { deleteRedisKeys } from '../support/chaos/redis-keys.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres.js';
import { REDIS_URL, redisAnswers } from '../support/redis.js';

// Fault 4: the bridge is killed with -9 while clients submit tasks (8 at a time), and started
// again on its port. Every submit answered with a run id must have its completed run; a submit
// that was refused (an error status, or a connection refused while the bridge was down) must
// have none; one that got no answer (its connection reset by the kill) may have one, at most.
// Each submit reviews its own account, so "a run for it" is a run for that account.
// CHAOS_KILL_TASKS (default 100) tasks; the kill comes after 40% of them were sent.

const TASKS = Number(process.env.CHAOS_KILL_TASKS ?? 100);
const KILL_AT = Math.floor(TASKS * 0.4);
/** Submits sent while the bridge is down before the rest wait for it. */
const WHILE_DOWN = Math.min(10, Math.floor(TASKS * 0.1));
const REDIS_UP = await redisAnswers();
if (!REDIS_UP) console.warn(`bridge kill test skipped: no Redis answers at ${REDIS_URL}`);

describe.skipIf(!REDIS_UP)('the bridge killed with -9 while tasks are submitted', () => {
  const schema = uniqueSchema('chaos_kill');
  const prefix = `chaos-kill-${randomUUID().slice(0, 8)}`;
  let db: ChaosDb | undefined;
  let cluster: ChaosCluster | undefined;

  afterAll(async () => {
    if (cluster) console.log(`fault bridge-kill: process logs in ${cluster.writeLogs('bridge-kill')}`);
    await cluster?.destroy();
    await db?.close();
    await dropSchema(schema);
    await deleteRedisKeys(REDIS_URL, prefix);
  });

  it('runs every answered submit once and no refused one', { timeout: 300_000 }, async () => {
    db = await ChaosDb.open(TEST_DATABASE_URL, schema);
    const accounts = await db.prepare(TASKS);
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
    await Promise.all([cluster.startBridge(), cluster.startWorker('a'), cluster.startWorker('b')]);
    const bridge = cluster.process('bridge');

    let killed: Promise<void> | undefined;
    let back: Promise<unknown> | undefined;
    let downAt = 0;
    let upAt = 0;
    const ledger = await cluster.submit(
      accounts.map((accountId) => ({
        agent: 'account-review',
        input: { accountId },
        idempotencyKey: `review-${accountId}`,
      })),
      {
        concurrency: 8,
        beforeEach: async (index) => {
          if (index === KILL_AT) {
            // Not awaited: the other seven lanes have submits in flight when the signal lands.
            killed = bridge.kill('SIGKILL').then(() => void (downAt = Date.now()));
            back = killed.then(() => cluster!.restart('bridge')).then(() => void (upAt = Date.now()));
          }
          if (index >= KILL_AT + WHILE_DOWN) await back;
        },
      },
    );
    await back;
    console.log(
      `fault bridge-kill: killed after ${KILL_AT} submits, down for ${upAt - downAt} ms; submits: ${ledger.describe()}`,
    );
    expect(bridge.starts, 'the bridge was restarted').toBe(2);

    const wait = await db.waitAllLanded(ledger.runIds, {
      timeoutMs: 120_000,
      stallMs: 30_000,
      everyRun: true,
    });
    console.log(`fault bridge-kill: ${JSON.stringify(wait)}`);
    const report = await db.verify('bridge-kill', ledger);
    // The fault must have met submits: some were cut off or refused, most were answered.
    expect.soft(ledger.refused.length + ledger.unanswered.length, ledger.describe()).toBeGreaterThan(0);
    for (const proc of cluster.all) expect.soft(proc.alive, `${proc.name} exited\n${proc.tail()}`).toBe(true);
    expectExactlyOnce(report, () => cluster!.tails());
  });
});
