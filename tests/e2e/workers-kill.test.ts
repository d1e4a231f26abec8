import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { seedCrm } from '../../mcp-servers/crm/seed/seed-crm.js';
import { BullMqTaskQueue } from '../../runtime/queue/bullmq-task-queue.js';
import { migrate } from '../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../app/database/schema-migrations.js';
import { PgSql } from '../../stores/sql/pg-sql.js';
import type { Sql } from '../../stores/sql/sql.js';
import { SWITCHYARD_CLI } from '../support/mcp-server-process.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres.js';
import { REDIS_URL, redisAnswers } from '../support/redis.js';

// Issue 6's check: Redis, PostgreSQL, a bridge (`switchyard start`, which submits and never runs
// agent work) and two `switchyard worker` processes; 200 account-review tasks submitted over the
// bridge's HTTP API (approval granted by the agent's policy) all complete exactly once while one
// worker is killed with -9 halfway; its runs resume on the other worker from their snapshots.
// E2E_TASKS sets another count (a quick local run).

const TSX = import.meta.resolve('tsx');
const TASKS = Number(process.env.E2E_TASKS ?? 200);
const REDIS_UP = await redisAnswers();
if (!REDIS_UP) console.warn(`workers kill test skipped: no Redis answers at ${REDIS_URL}`);

describe.skipIf(!REDIS_UP)('account-review tasks across two workers, one killed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-workers-'));
  const schema = uniqueSchema('workers');
  const prefix = `e2e-${randomUUID().slice(0, 8)}`;
  const children: ChildProcess[] = [];
  let sql: Sql | undefined;
  let queue: BullMqTaskQueue | undefined;

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await queue?.obliterate().catch(() => {});
    await queue?.close();
    await sql?.close();
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A `switchyard` process (`worker …` or `start`) on the test's Redis, Postgres and config. */
  const switchyard = (name: string, args: string[], ready: RegExp) => {
    const child = spawn(
      process.execPath,
      ['--import', TSX, SWITCHYARD_CLI, '--config', join(dir, 'switchyard.config.json'), ...args],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          SWITCHYARD_HOME: join(dir, name),
          DATABASE_URL: TEST_DATABASE_URL,
          SWITCHYARD_DB_SCHEMA: schema,
          REDIS_URL,
          SWITCHYARD_REDIS_PREFIX: prefix,
          SWITCHYARD_VECTOR_BACKEND: 'memory',
          SWITCHYARD_LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(child);
    let log = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const started = (async () => {
      const deadline = Date.now() + 120_000;
      let match: RegExpExecArray | null;
      while (!(match = ready.exec(log))) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`${name} did not start:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return match;
    })();
    return { child, started, log: () => log };
  };
  const worker = (name: string) => switchyard(name, ['worker', '--concurrency', '4'], /"worker started"/);

  it(
    'completes every task exactly once while a worker is killed with -9 halfway',
    { timeout: 420_000 },
    async () => {
      sql = await new PgSql({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 4 }).open();
      await migrate(sql, MIGRATIONS);
      await seedCrm(sql, { accounts: TASKS, seed: 7 });
      const accounts = (await sql.query<{ id: string }>('SELECT id FROM crm_accounts ORDER BY id')).rows.map(
        (r) => r.id,
      );
      writeFileSync(
        join(dir, 'switchyard.config.json'),
        JSON.stringify({
          mcpServers: { crm: { builtin: 'crm' }, memory: { builtin: 'memory' } },
          agents: { policies: { 'account-review': { autoApprove: true } } },
          redis: { lockDurationMs: 2_000 },
          api: { port: 0 },
        }),
      );
      const bridge = switchyard('bridge', ['start'], /"url":"(http:[^"]+)"/);
      const a = worker('a');
      const b = worker('b');
      const [listening] = await Promise.all([bridge.started, a.started, b.started]);
      const url = listening[1]!;

      queue = new BullMqTaskQueue({ connection: REDIS_URL, prefix });
      const runIds: string[] = [];
      for (const accountId of accounts) {
        const response = await fetch(`${url}/v1/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            agent: 'account-review',
            input: { accountId },
            idempotencyKey: `review-${accountId}`,
          }),
        });
        expect(response.status, await response.clone().text()).toBe(202);
        runIds.push(((await response.json()) as { runId: string }).runId);
      }
      const finished = async () =>
        (
          await sql!.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM runs WHERE status IN ('completed', 'failed', 'cancelled', 'needs_attention')`,
          )
        ).rows[0]!.n;
      const deadline = Date.now() + 300_000;
      while ((await finished()) < TASKS / 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      a.child.kill('SIGKILL');
      await once(a.child, 'exit');
      while ((await finished()) < TASKS && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));

      const runs = (
        await sql.query<{
          id: string;
          status: string;
          output: { executed: Array<{ ok: boolean; action: string }> };
        }>('SELECT id, status, output FROM runs ORDER BY id')
      ).rows;
      const failed = JSON.stringify((await queue.listFailed(3)).map((t) => t.failedReason));
      const states = JSON.stringify(await Promise.all(runIds.slice(0, 3).map((id) => queue!.get(id))));
      expect(
        runs.map((r) => r.id).sort(),
        `failed: ${failed}\nstates: ${states}\n${b.log().slice(-1500)}`,
      ).toEqual([...runIds].sort());
      expect(
        runs.filter((r) => r.status !== 'completed'),
        b.log().slice(-3000),
      ).toEqual([]);
      for (const run of runs) {
        const written = run.output.executed.filter((e) => e.ok);
        const { rows } = await sql.query<{ tasks: number; notes: number }>(
          `SELECT (SELECT count(*)::int FROM crm_tasks WHERE idempotency_key LIKE $1) AS tasks,
                (SELECT count(*)::int FROM crm_notes WHERE idempotency_key LIKE $1) AS notes`,
          [`${run.id}/%`],
        );
        expect(rows[0]).toEqual({
          tasks: written.filter((e) => e.action === 'create_task').length,
          notes: written.filter((e) => e.action === 'add_note').length,
        });
        const events = await sql.query<{ started: number; first: string }>(
          `SELECT count(*) FILTER (WHERE type = 'run_started')::int AS started,
                  (array_agg(type ORDER BY seq))[1] AS first
           FROM run_events WHERE run_id = $1`,
          [run.id],
        );
        // Started once, and its log begins with that start (written with the run's INSERT, so a
        // worker killed right after it still leaves one); a takeover resumes, it does not start over.
        expect(events.rows[0]).toEqual({ started: 1, first: 'run_started' });
      }
      // The killed worker held runs mid-way: the other worker resumed them from their snapshots.
      const resumed = await sql.query<{ n: number }>(
        `SELECT count(DISTINCT run_id)::int AS n FROM run_events WHERE type = 'run_resumed'`,
      );
      expect(resumed.rows[0]!.n).toBeGreaterThan(0);
      // Runs ran on the workers only (owners are host:pid:random): the bridge hosted none.
      const owners = (
        await sql.query<{ owner: string }>(
          `SELECT DISTINCT data->>'owner' AS owner FROM run_events WHERE type IN ('run_started', 'run_resumed')`,
        )
      ).rows.map((r) => r.owner.split(':')[1]);
      expect(owners.length).toBeGreaterThan(0);
      expect(new Set(owners)).toEqual(new Set([String(a.child.pid), String(b.child.pid)]));
      // The bridge answers for a task its workers ran.
      const task = (await (await fetch(`${url}/v1/tasks/${runIds[0]}`)).json()) as Record<string, unknown>;
      expect(task).toMatchObject({ runId: runIds[0], status: 'completed', state: 'completed' });
    },
  );
});
