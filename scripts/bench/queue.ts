/**
 * npm run bench:queue [-- --tasks 2000 --agent-tasks 1000 --workers 1,2 --concurrency 8,32 --rounds 3
 *                        --warmup 100 --latency-tasks 100 --scenarios raw,raw-pg,queue,agent
 *                        --cpu-prof-dir DIR]
 *
 * No-op tasks four ways, in the same run against the same Redis: raw BullMQ jobs (a Queue and
 * Workers with `async () => ({})`); raw BullMQ jobs whose processor writes by hand the rows an
 * agent run persists (two single-row statements on PostgreSQL: the hand-written durable floor, the
 * peer to beat); Switchyard's queue layer alone (BullMqTaskQueue with a no-op handler); and
 * Switchyard agent runs (BullMqTaskQueue → createRunTaskHandler → RunSupervisor over SqlRunStore on
 * PostgreSQL, running an agent that is final at once: each run is created, checkpointed and
 * completed in the store). `--agent-tasks` is the task count of the two that write to PostgreSQL.
 * Each with 1 and 2 worker processes at each `--concurrency` (per process), as in a deployment.
 * For each: tasks/s from the first submit to the last completion, and submit → complete latency
 * p50/p99, under that load and one task at a time. The scenarios take turns: every round measures
 * each of them once at every worker count and concurrency, in an order rotated by one each round,
 * so a load that drifts favours none; rows are medians over the rounds, and ratios the median of
 * the per-round ratios (scenarios measured back to back in the same round).
 * Every scenario has its own BullMQ prefix (and a writing one its own schema), removed at the end.
 * Prints a table and the goals (agent runs ≥ 1.0× the hand-written durable floor at concurrency 8,
 * ≥ 1.5× at 32; one-at-a-time latency not above what it was, relative to the floor's), each met or
 * not; writes bench/results/queue.json and exits 1 when a goal is missed. Every worker process it
 * started is ended before it exits.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import pg from 'pg';
import pLimit from 'p-limit';
import { BullMqTaskQueue } from '../../runtime/queue/bullmq-task-queue.js';
import { agentQueueName, KEEP_COMPLETED } from '../../runtime/queue/bullmq-jobs.js';
import { DEFAULT_TASK_ATTEMPTS, DEFAULT_TASK_BACKOFF } from '../../runtime/queue/task-spec-schema.js';
import { migrate } from '../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../app/database/schema-migrations.js';
import { PgSql } from '../../stores/sql/pg-sql.js';
import { quoteIdent } from '../../stores/sql/sql.js';
import { REDIS_URL, redisAnswers } from '../../tests/support/redis.js';
import { failWith, log, positiveArg, progressBar } from './bench-cli.js';
import { percentile } from './ground-truth.js';
import { Completions } from './queue-completions.js';
import { NOOP_AGENT, PERSISTING, RAW_QUEUE, type Scenario, SCENARIOS } from './queue-protocol.js';
import { QueueWorkerPool } from './queue-workers.js';

const fail = failWith('bench:queue');
/** Agent runs' tasks/s over the hand-written durable floor's (raw-pg), by concurrency per process. */
const FLOOR_TARGETS: Record<number, number> = { 8: 1.0, 32: 1.5 };
/**
 * Agent runs' one-at-a-time p50 over the floor's, before the group commit of creations and
 * checkpoints (5.9 ms against 3.2 ms, docs/benchmarks.md, 1 worker process): it must not grow. A ratio
 * to a peer measured in the same round, because absolute latencies move with the machine's load.
 */
const LATENCY_RATIO_BEFORE = 1.84;
/** Submits in flight from this process: enough that submitting is not what limits tasks/s. */
const SUBMITTERS = 16;
/** A run in which no task completes for this long has failed (a worker hung, events were lost). */
const STALL_MS = 30_000;
const NAMES: Record<Scenario, string> = {
  raw: 'raw BullMQ',
  'raw-pg': 'raw BullMQ + the run writes by hand',
  queue: 'Switchyard queue only',
  agent: 'Switchyard agent runs',
};

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '2000' },
    'agent-tasks': { type: 'string', default: '1000' },
    workers: { type: 'string', default: '1,2' },
    concurrency: { type: 'string', default: '8,32' },
    warmup: { type: 'string', default: '100' },
    'latency-tasks': { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    'redis-url': { type: 'string', default: REDIS_URL },
    'database-url': {
      type: 'string',
      default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    out: { type: 'string', default: 'bench/results/queue.json' },
    /** Profiles every worker process (node --cpu-prof), one .cpuprofile each in this folder. */
    'cpu-prof-dir': { type: 'string' },
  },
});
const taskCount = positiveArg('tasks', values.tasks, fail);
const agentTaskCount = positiveArg('agent-tasks', values['agent-tasks'], fail);
const concurrencies = values.concurrency.split(',').map((c) => positiveArg('concurrency', c.trim(), fail));
const warmup = positiveArg('warmup', values.warmup, fail);
const latencyTasks = positiveArg('latency-tasks', values['latency-tasks'], fail);
const rounds = positiveArg('rounds', values.rounds, fail);
const workerCounts = values.workers.split(',').map((w) => positiveArg('workers', w.trim(), fail));
const scenarios = values.scenarios.split(',').map((s) => s.trim());
for (const s of scenarios)
  if (!(SCENARIOS as readonly string[]).includes(s))
    fail(`--scenarios takes ${SCENARIOS.join(', ')}; got ${s}`);
const redisUrl = values['redis-url'];
const databaseUrl = values['database-url'];

/** Raw jobs get the options of Switchyard's that change what BullMQ does per job (bullmq-jobs.ts). */
const RAW_JOB_OPTIONS = {
  attempts: DEFAULT_TASK_ATTEMPTS,
  backoff: { type: DEFAULT_TASK_BACKOFF.type, delay: DEFAULT_TASK_BACKOFF.delayMs },
  removeOnComplete: KEEP_COMPLETED,
  removeOnFail: false,
};

/** What is measured of a scenario at a worker count and concurrency. */
interface Figures {
  scenario: Scenario;
  workers: number;
  concurrency: number;
  tasksPerSecond: number;
  loadedP50Ms: number;
  loadedP99Ms: number;
  oneAtATimeP50Ms: number;
  oneAtATimeP99Ms: number;
}

/** One round's figures. */
interface Measurement extends Figures {
  round: number;
  tasks: number;
  seconds: number;
  /** Agent runs: what the store holds at the end (every run completed; events written per run). */
  persisted?: { runs: number; completed: number; eventsPerRun: number };
}

/** The median over the rounds of each figure. */
interface Row extends Figures {
  rounds: number;
  /** Median of the per-round tasks/s over raw BullMQ's (same round, worker count, concurrency). */
  vsRaw?: number;
  /** Median of the per-round tasks/s over the hand-written durable floor's (raw-pg). */
  vsFloor?: number;
  /** Median of the per-round one-at-a-time p50 over the floor's. */
  latencyVsFloor?: number;
}

/** How the parent submits one scenario's no-op task; resolves with its job id. */
interface Submitter {
  queueName: string;
  submit(): Promise<string>;
}

/** Cleanups of the scenario under way, last first; also run when the bench is interrupted. */
const cleanups: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | undefined;
/** Runs the cleanups, one at a time; a second call while they run waits for the same run. */
function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
      await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
    }
  })().finally(() => (cleaning = undefined));
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: removing this run's workers, keys and schema`);
    void runCleanups().finally(() => process.exit(130));
  });
}

async function postgresAnswers(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Submits `count` tasks, SUBMITTERS at a time, noting performance.now() at each submit by job id. */
async function submitBatch(
  submitter: Submitter,
  completions: Completions,
  count: number,
  submittedAt = new Map<string, number>(),
): Promise<Map<string, number>> {
  const limit = pLimit(SUBMITTERS);
  await Promise.all(
    Array.from({ length: count }, () =>
      limit(async () => {
        const at = performance.now();
        const id = await submitter.submit();
        submittedAt.set(id, at);
        completions.expect(id);
      }),
    ),
  );
  return submittedAt;
}

function latencies(submittedAt: Map<string, number>, completions: Completions): number[] {
  return [...submittedAt].map(([id, at]) => completions.at.get(id)! - at).sort((a, b) => a - b);
}

async function measure(
  scenario: Scenario,
  workers: number,
  concurrency: number,
  round: number,
): Promise<Measurement> {
  const label = `${scenario} ×${workers} c${concurrency}${rounds > 1 ? ` (round ${round})` : ''}`;
  const prefix = `bench-queue-${process.pid}-${scenario}-${workers}-${concurrency}-${round}`;
  const tasks = PERSISTING.includes(scenario) ? agentTaskCount : taskCount;
  try {
    let database: { url: string; schema: string } | undefined;
    let sql: PgSql | undefined;
    if (PERSISTING.includes(scenario)) {
      database = {
        url: databaseUrl,
        schema: `bench_queue_${process.pid}_${workers}_${concurrency}_${round}`,
      };
      const opened = await new PgSql({ connectionString: databaseUrl, schema: database.schema }).open();
      sql = opened;
      cleanups.push(async () => {
        await opened.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(opened.schema)} CASCADE`);
        await opened.close();
      });
      await migrate(opened, MIGRATIONS);
    }
    // Also what removes the raw scenario's keys: obliterate() deletes every key of its prefix.
    const tasksQueue = new BullMqTaskQueue({ connection: redisUrl, prefix });
    cleanups.push(async () => {
      await tasksQueue.obliterate();
      await tasksQueue.close();
    });
    let submitter: Submitter;
    if (scenario === 'raw' || scenario === 'raw-pg') {
      const queue = new Queue(RAW_QUEUE, {
        connection: { url: redisUrl, maxRetriesPerRequest: null },
        prefix,
      });
      cleanups.push(() => queue.close());
      submitter = {
        queueName: RAW_QUEUE,
        submit: async () => (await queue.add('noop', {}, RAW_JOB_OPTIONS)).id!,
      };
    } else {
      submitter = {
        queueName: agentQueueName(NOOP_AGENT),
        submit: async () => (await tasksQueue.submit({ agent: NOOP_AGENT, input: null })).runId,
      };
    }
    const completions = await new Completions(submitter.queueName, { redisUrl, prefix }).open();
    cleanups.push(() => completions.close());
    const pool = new QueueWorkerPool(
      { scenario, redisUrl, prefix, concurrency, ...(database ? { database } : {}) },
      workers,
      values['cpu-prof-dir'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof-dir']] : [],
    );
    cleanups.push(() => pool.stop());
    await pool.ready();
    const waitAll = () => completions.waitAll({ stallMs: STALL_MS, check: () => pool.assertRunning() });

    // Warm-up: JIT, connections, pools; and every worker process must have taken a task.
    let submitted = 0;
    for (let pass = 1; pass <= 5 && (pass === 1 || !pool.allTookATask); pass++) {
      await submitBatch(submitter, completions, warmup);
      submitted += warmup;
      await waitAll();
    }
    if (!pool.allTookATask) throw new Error('a worker process took no task in the warm-up');

    const bar = progressBar(`${label}: ${tasks} tasks`);
    bar.start(tasks, 0);
    const t0 = performance.now();
    const submittedAt = new Map<string, number>();
    const progress = setInterval(() => {
      let done = 0;
      for (const id of submittedAt.keys()) if (completions.at.has(id)) done += 1;
      bar.update(done);
    }, 1_000);
    try {
      await submitBatch(submitter, completions, tasks, submittedAt);
      await waitAll();
      bar.update(tasks);
    } finally {
      clearInterval(progress);
      // Also on a failure: a bar left running keeps this process alive.
      bar.stop();
    }
    submitted += tasks;
    const lastCompletion = Math.max(...[...submittedAt.keys()].map((id) => completions.at.get(id)!));
    const seconds = (lastCompletion - t0) / 1000;
    const loaded = latencies(submittedAt, completions);

    // One at a time: each task submitted once the one before completed.
    const sequential = new Map<string, number>();
    for (let i = 0; i < latencyTasks; i++) {
      const at = performance.now();
      const id = await submitter.submit();
      sequential.set(id, at);
      completions.expect(id);
      await waitAll();
    }
    submitted += latencyTasks;
    const oneAtATime = latencies(sequential, completions);
    log(`${label}: ${latencyTasks} tasks one at a time done`);

    const row: Measurement = {
      scenario,
      workers,
      concurrency,
      round,
      tasks,
      seconds,
      tasksPerSecond: tasks / seconds,
      loadedP50Ms: percentile(loaded, 50),
      loadedP99Ms: percentile(loaded, 99),
      oneAtATimeP50Ms: percentile(oneAtATime, 50),
      oneAtATimeP99Ms: percentile(oneAtATime, 99),
    };
    if (sql) {
      const { rows } = await sql.query<{ runs: number; completed: number; events: number }>(
        `SELECT count(*)::int AS runs, count(*) FILTER (WHERE status = 'completed')::int AS completed,
                (SELECT count(*)::int FROM run_events) AS events FROM runs`,
      );
      const { runs, completed, events } = rows[0]!;
      if (runs !== submitted || completed !== submitted)
        throw new Error(`${submitted} tasks submitted, but ${runs} runs stored, ${completed} completed`);
      row.persisted = { runs, completed, eventsPerRun: events / runs };
    }
    return row;
  } catch (error) {
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await runCleanups();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summarize(of: Measurement[]): Row {
  const med = (figure: (m: Measurement) => number) => median(of.map(figure));
  return {
    scenario: of[0]!.scenario,
    workers: of[0]!.workers,
    concurrency: of[0]!.concurrency,
    rounds: of.length,
    tasksPerSecond: med((m) => m.tasksPerSecond),
    loadedP50Ms: med((m) => m.loadedP50Ms),
    loadedP99Ms: med((m) => m.loadedP99Ms),
    oneAtATimeP50Ms: med((m) => m.oneAtATimeP50Ms),
    oneAtATimeP99Ms: med((m) => m.oneAtATimeP99Ms),
  };
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const ms = (n: number) => `${n.toFixed(n >= 100 ? 0 : 1)} ms`;

/** Ratios of `scenario` over `peer` (a figure of each), one per round in which both were measured. */
function perRoundRatios(
  measurements: Measurement[],
  at: { scenario: Scenario; workers: number; concurrency: number },
  peer: Scenario,
  figure: (m: Measurement) => number,
): number[] {
  const of = (scenario: Scenario) =>
    measurements.filter(
      (m) => m.scenario === scenario && m.workers === at.workers && m.concurrency === at.concurrency,
    );
  return of(at.scenario).flatMap((m) => {
    const other = of(peer).find((p) => p.round === m.round);
    return other ? [figure(m) / figure(other)] : [];
  });
}

/** `list` rotated left by `by`: round r starts with the r-th scenario. */
function rotated<T>(list: readonly T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

const processes = (n: number) => `${n} worker process${n === 1 ? '' : 'es'}`;

async function main(): Promise<void> {
  if (!(await redisAnswers(redisUrl))) throw new Error(`no Redis answers PING at ${redisUrl} (--redis-url)`);
  if (PERSISTING.some((s) => scenarios.includes(s))) {
    const why = await postgresAnswers(databaseUrl);
    if (why) throw new Error(`PostgreSQL at ${databaseUrl} does not answer (--database-url): ${why}`);
  }
  const loadBefore = loadavg();
  const selected = SCENARIOS.filter((s) => scenarios.includes(s));
  const measurements: Measurement[] = [];
  for (let round = 1; round <= rounds; round++) {
    // The order rotates each round, so a load that drifts during the run favours no scenario.
    const order = rotated(selected, round - 1);
    for (const workers of workerCounts) {
      for (const concurrency of concurrencies) {
        for (const scenario of order) {
          const m = await measure(scenario, workers, concurrency, round);
          measurements.push(m);
          log(`${scenario} ×${workers} c${concurrency} round ${round}: ${fmt(m.tasksPerSecond)} tasks/s`);
        }
      }
    }
  }
  const loadAfter = loadavg();
  const rows = workerCounts.flatMap((workers) =>
    concurrencies.flatMap((concurrency) =>
      selected.map((scenario) =>
        summarize(
          measurements.filter(
            (m) => m.scenario === scenario && m.workers === workers && m.concurrency === concurrency,
          ),
        ),
      ),
    ),
  );
  const medianOf = (ratios: number[]) => (ratios.length > 0 ? median(ratios) : undefined);
  for (const row of rows) {
    row.vsRaw = medianOf(perRoundRatios(measurements, row, 'raw', (m) => m.tasksPerSecond));
    if (row.scenario !== 'agent') continue;
    row.vsFloor = medianOf(perRoundRatios(measurements, row, 'raw-pg', (m) => m.tasksPerSecond));
    row.latencyVsFloor = medianOf(perRoundRatios(measurements, row, 'raw-pg', (m) => m.oneAtATimeP50Ms));
  }
  const agentRows = rows.filter((r) => r.scenario === 'agent' && r.vsFloor !== undefined);
  const goals = [
    ...agentRows
      .filter((r) => FLOOR_TARGETS[r.concurrency] !== undefined)
      .map((r) => ({
        goal: `agent runs >= ${FLOOR_TARGETS[r.concurrency]!.toFixed(1)}x the hand-written durable floor's tasks/s, concurrency ${r.concurrency}, ${processes(r.workers)}`,
        value: r.vsFloor!,
        met: r.vsFloor! >= FLOOR_TARGETS[r.concurrency]!,
      })),
    ...agentRows.map((r) => ({
      goal: `agent runs' one-at-a-time p50 <= ${LATENCY_RATIO_BEFORE}x the floor's (its ratio before), concurrency ${r.concurrency}, ${processes(r.workers)}`,
      value: r.latencyVsFloor!,
      met: r.latencyVsFloor! <= LATENCY_RATIO_BEFORE,
    })),
  ];
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    node: process.version,
    loadavgBefore: loadBefore.map((x) => Number(x.toFixed(2))),
    loadavgAfter: loadAfter.map((x) => Number(x.toFixed(2))),
  };

  console.log(
    `\nbench:queue — no-op tasks: ${taskCount} per run (with PostgreSQL writes: ${agentTaskCount}), ${concurrencies.join(' and ')} at once per worker process, ${machine.cpus} cores, load average ${machine.loadavgBefore.join('/')} before, ${machine.loadavgAfter.join('/')} after\n`,
  );
  console.log(
    '| scenario | worker processes | concurrency | tasks/s | vs raw BullMQ | vs the durable floor | p50 under load | p99 under load | p50 one at a time | p99 one at a time |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const ratio = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(2)}×`);
  for (const r of rows) {
    console.log(
      `| ${NAMES[r.scenario]} | ${r.workers} | ${r.concurrency} | ${fmt(r.tasksPerSecond)} | ${ratio(r.vsRaw)} | ${ratio(r.vsFloor)} | ${ms(r.loadedP50Ms)} | ${ms(r.loadedP99Ms)} | ${ms(r.oneAtATimeP50Ms)} | ${ms(r.oneAtATimeP99Ms)} |`,
    );
  }
  const persisted = measurements.find((m) => m.persisted)?.persisted;
  console.log(`
Figures are medians over ${rounds} round(s); the scenarios take turns, in an order rotated each round.
Ratios are the median of per-round ratios (the two scenarios measured back to back in one round).
The durable floor: raw BullMQ whose processor writes the rows a no-op run persists by hand.
tasks/s: tasks / (first submit → last completion), ${SUBMITTERS} submits in flight from one process, after ${warmup} warm-up tasks.
Latency: from just before submit()/add() in the submitting process to the job's 'completed' event
arriving there over BullMQ QueueEvents, the same for every scenario. "Under load" is over the
tasks/s run (mostly time spent waiting in the queue); "one at a time" over ${latencyTasks} tasks, each
submitted once the one before completed.
Raw jobs: attempts ${DEFAULT_TASK_ATTEMPTS}, backoff, removeOnComplete {count ${KEEP_COMPLETED.count}}, removeOnFail false, as Switchyard's;
BullMQ's own job ids and no priority, where Switchyard's carry the run id and the lowest priority.${
    persisted
      ? `\nAgent runs and hand-written writes: every run stored and completed in PostgreSQL, ${persisted.eventsPerRun.toFixed(1)} events per run.`
      : ''
  }`);
  for (const g of goals)
    console.log(`goal: ${g.goal}: ${g.value.toFixed(2)}× — ${g.met ? 'met' : 'NOT met'}`);

  const report = {
    benchmark: 'queue',
    params: {
      tasks: taskCount,
      agentTasks: agentTaskCount,
      workers: workerCounts,
      concurrency: concurrencies,
      warmup,
      latencyTasks,
      rounds,
      submitters: SUBMITTERS,
      scenarios,
    },
    machine,
    latencyMethod:
      'performance.now() before submit/add → QueueEvents completed event received by the submitter',
    ratioMethod: 'median of per-round ratios; the scenarios take turns in an order rotated each round',
    targets: { agentRunsVsFloor: FLOOR_TARGETS, oneAtATimeP50VsFloorAtMost: LATENCY_RATIO_BEFORE },
    results: rows,
    rounds: measurements,
    goals,
    pass: goals.every((g) => g.met),
    finishedAt: new Date().toISOString(),
  };
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${values.out}`);
  if (!report.pass) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  log(`bench:queue: ${error instanceof Error ? error.message : String(error)}`);
  await runCleanups();
  // Whatever the failure left behind (a connection, a timer) must not keep the bench running.
  process.exit(1);
}
