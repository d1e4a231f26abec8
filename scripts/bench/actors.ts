/**
 * npm run bench:actors [-- --runs 10000 --rounds 3 --targets pglite,postgres]
 *
 * 10,000 concurrent idle runs under the run supervisor, on embedded PGlite and on the PostgreSQL
 * server: memory per run, spawn rate, transitions/s and persisted-snapshot writes/s. Baselines in
 * the same run: bare XState actors (no persistence) for memory, spawn and transition rates, and
 * bare single-row UPDATEs of a snapshot-sized jsonb on the same store for the write rate, so each
 * figure comes with the ratio to what the layers underneath do alone. Prints a table; writes
 * bench/results/actors.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { assign, createActor, setup } from 'xstate';
import type { AgentDefinition } from '../../runtime/actors/agent-definition.js';
import { RunSupervisor } from '../../runtime/actors/run-supervisor.js';
import { SqlRunStore } from '../../runtime/actors/sql-run-store.js';
import type { RunCheckpoint } from '../../runtime/actors/run-store.js';
import { migrate } from '../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../app/database/schema-migrations.js';
import { PgSql } from '../../stores/sql/pg-sql.js';
import { PgliteSql } from '../../stores/sql/pglite-sql.js';
import { quoteIdent, type Sql } from '../../stores/sql/sql.js';
import { failWith, log, positiveArg, progressBar } from './bench-cli.js';

const fail = failWith('bench:actors');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    targets: { type: 'string', default: 'pglite,postgres' },
    'database-url': {
      type: 'string',
      default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    out: { type: 'string', default: 'bench/results/actors.json' },
  },
});
const runCount = positiveArg('runs', values.runs, fail);
const rounds = positiveArg('rounds', values.rounds, fail);
const targets = values.targets.split(',').map((t) => t.trim());
for (const t of targets)
  if (t !== 'pglite' && t !== 'postgres') fail(`--targets takes pglite and/or postgres, got ${t}`);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) fail('run with node --expose-gc (npm run bench:actors does)');

/** An idle run: waits for PING events, flipping between two states and counting them. */
const idleMachine = setup({ types: {} as { context: { pings: number } } }).createMachine({
  id: 'idle',
  context: { pings: 0 },
  initial: 'idle',
  states: {
    idle: {
      on: { PING: { target: 'pong', actions: assign({ pings: ({ context }) => context.pings + 1 }) } },
    },
    pong: {
      on: { PING: { target: 'idle', actions: assign({ pings: ({ context }) => context.pings + 1 }) } },
    },
  },
});

const idleAgent: AgentDefinition = {
  name: 'idle',
  description: 'waits for events',
  capabilities: [],
  version: '1',
  policy: { limits: { maxSteps: 1_000_000 } },
  createMachine: () => idleMachine,
};

const noTools = { listTools: () => [], callTool: () => Promise.reject(new Error('no tools')) };

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

interface Row {
  target: string;
  runs: number;
  bytesPerRun: number;
  spawnPerSecond: number;
  transitionsPerSecond: number;
  snapshotWritesPerSecond: number;
  snapshotBytes: number;
  baselineBytesPerActor: number;
  baselineSpawnPerSecond: number;
  baselineTransitionsPerSecond: number;
  baselineUpdatesPerSecond: number;
}

/** Bare XState: the same machine, no supervisor, no persistence. */
function bareXState(): { bytesPerActor: number; spawnPerSecond: number; transitionsPerSecond: number } {
  const before = heapUsed();
  const started = performance.now();
  const actors = Array.from({ length: runCount }, () => createActor(idleMachine).start());
  const spawnSeconds = (performance.now() - started) / 1000;
  const bytesPerActor = (heapUsed() - before) / runCount;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const actor of actors) actor.send({ type: 'PING' });
  const transitionsPerSecond = (rounds * runCount) / ((performance.now() - t0) / 1000);
  for (const actor of actors) actor.stop();
  return { bytesPerActor, spawnPerSecond: runCount / spawnSeconds, transitionsPerSecond };
}

/** Bare SQL: single-row UPDATEs of a jsonb the size of a run's snapshot, as many as the runs write. */
async function bareUpdates(sql: Sql, snapshot: unknown, count: number): Promise<number> {
  await sql.exec('CREATE TABLE IF NOT EXISTS bench_rows (id integer PRIMARY KEY, body jsonb NOT NULL)');
  await sql.exec(`TRUNCATE bench_rows`);
  await sql.query(`INSERT INTO bench_rows SELECT g, '{}'::jsonb FROM generate_series(1, $1) g`, [count]);
  const limit = pLimit(16);
  const body = JSON.stringify(snapshot);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(() => sql.query('UPDATE bench_rows SET body = $2::jsonb WHERE id = $1', [i + 1, body])),
    ),
  );
  return count / ((performance.now() - t0) / 1000);
}

async function openTarget(target: string): Promise<{ sql: Sql; cleanup: () => Promise<void> }> {
  if (target === 'pglite') {
    const sql = await PgliteSql.open({});
    return { sql, cleanup: () => sql.close() };
  }
  const schema = `bench_actors_${process.pid}`;
  const sql = await new PgSql({ connectionString: values['database-url'], schema, maxConnections: 8 }).open();
  return {
    sql,
    cleanup: async () => {
      await sql.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      await sql.close();
    },
  };
}

async function measure(target: string, baseline: ReturnType<typeof bareXState>): Promise<Row> {
  const { sql, cleanup } = await openTarget(target);
  try {
    await migrate(sql, MIGRATIONS);
    const store = new SqlRunStore(sql);
    let checkpoints = 0;
    let lastSnapshot: unknown;
    const checkpoint = store.checkpoint.bind(store);
    store.checkpoint = (id: string, owner: string, c: RunCheckpoint) => {
      checkpoints += 1;
      lastSnapshot = c.snapshot;
      return checkpoint(id, owner, c);
    };
    const supervisor = new RunSupervisor({
      store,
      tools: noTools,
      agents: [idleAgent],
      exclusive: true,
      leaseMs: 3_600_000,
    });
    await supervisor.start();
    const before = heapUsed();
    const bar = progressBar(`${target}: spawning`);
    bar.start(runCount, 0);
    const limit = pLimit(32);
    const ids: string[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: runCount }, () =>
        limit(async () => {
          ids.push((await supervisor.startRun('idle', null)).id);
          bar.increment();
        }),
      ),
    );
    await supervisor.flushed();
    const spawnPerSecond = runCount / ((performance.now() - t0) / 1000);
    bar.stop();
    const bytesPerRun = (heapUsed() - before) / runCount;

    let sendSeconds = 0;
    let writeSeconds = 0;
    checkpoints = 0;
    for (let r = 0; r < rounds; r++) {
      const s0 = performance.now();
      for (const id of ids) supervisor.send(id, { type: 'PING' });
      const s1 = performance.now();
      await supervisor.flushed();
      sendSeconds += (s1 - s0) / 1000;
      writeSeconds += (performance.now() - s0) / 1000;
      log(`${target}: round ${r + 1}/${rounds} done`);
    }
    const snapshotBytes = Buffer.byteLength(JSON.stringify(lastSnapshot));
    const transitionsPerSecond = (rounds * runCount) / sendSeconds;
    const snapshotWritesPerSecond = checkpoints / writeSeconds;
    await supervisor.close();
    const baselineUpdatesPerSecond = await bareUpdates(sql, lastSnapshot, Math.min(runCount, 5000));
    return {
      target,
      runs: runCount,
      bytesPerRun,
      spawnPerSecond,
      transitionsPerSecond,
      snapshotWritesPerSecond,
      snapshotBytes,
      baselineBytesPerActor: baseline.bytesPerActor,
      baselineSpawnPerSecond: baseline.spawnPerSecond,
      baselineTransitionsPerSecond: baseline.transitionsPerSecond,
      baselineUpdatesPerSecond,
    };
  } finally {
    await cleanup();
  }
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

const baseline = bareXState();
log(
  `bare XState: ${fmt(baseline.bytesPerActor)} B/actor, ${fmt(baseline.spawnPerSecond)} spawns/s, ${fmt(baseline.transitionsPerSecond)} transitions/s`,
);
const rows: Row[] = [];
for (const target of targets) {
  try {
    rows.push(await measure(target, baseline));
  } catch (error) {
    log(`${target}: skipped (${error instanceof Error ? error.message : String(error)})`);
  }
}

console.log(
  `\nbench:actors — ${runCount} concurrent idle runs, ${rounds} event rounds, ${cpus().length} cores\n`,
);
console.log(
  '| store | memory/run | vs bare actor | spawns/s | vs bare | transitions/s (in memory) | vs bare | snapshot writes/s | vs bare UPDATE | snapshot size |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.target} | ${fmt(r.bytesPerRun / 1024)} KiB | ${ratio(r.bytesPerRun, r.baselineBytesPerActor)} | ${fmt(r.spawnPerSecond)} | ${ratio(r.spawnPerSecond, r.baselineSpawnPerSecond)} | ${fmt(r.transitionsPerSecond)} | ${ratio(r.transitionsPerSecond, r.baselineTransitionsPerSecond)} | ${fmt(r.snapshotWritesPerSecond)} | ${ratio(r.snapshotWritesPerSecond, r.baselineUpdatesPerSecond)} | ${r.snapshotBytes} B |`,
  );
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  values.out,
  `${JSON.stringify({ at: new Date().toISOString(), runs: runCount, rounds, cores: cpus().length, rows }, null, 2)}\n`,
);
log(`wrote ${values.out}`);
if (rows.length === 0) process.exit(1);
