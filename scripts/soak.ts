import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ChaosDb } from '../tests/support/chaos/chaos-db.js';
import { type ChaosProcess, ChaosCluster } from '../tests/support/chaos/cluster.js';
import { sampleProcess } from '../tests/support/chaos/process-metrics.js';
import { deleteRedisKeys } from '../tests/support/chaos/redis-keys.js';
import { describeFetchError } from '../tests/support/chaos/task-client.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../tests/support/postgres.js';
import { REDIS_URL } from '../tests/support/redis.js';

// `npm run soak -- --minutes 30 [--rate 5] [--sample-seconds 60] [--accounts 200]`
//
// A bridge and one worker (switchyard start / worker, from the sources) on the shared PostgreSQL
// (a schema of its own) and the shared Redis (a key prefix of its own), driven at a steady rate
// with a mix of REST tool calls (crm, memory), vector queries and account-review runs whose
// approvals are granted over REST. Every sample (a minute by default) records each process's RSS,
// open fds and connections to PostgreSQL and Redis, Redis memory (the server's used_memory, and
// what this run's keys take), throughput, latency and errors, printed as a table row. At the end
// a verdict: flat after warm-up (the last sample within 20% of the first sample after warm-up)
// and no error. Results go to bench/results/soak-<time>.json. Exit 0 when the verdict holds.
// Not for CI: it runs for as long as it is told to.

const ROOT = resolve(import.meta.dirname, '..');
const COLLECTION = 'soak-docs';
/** BullMQ keeps this many completed jobs per agent queue (runtime/queue/bullmq-jobs.ts KEEP_COMPLETED). */
const KEPT_COMPLETED_JOBS = 1_000;
const MAX_IN_FLIGHT = 32;

interface Options {
  minutes: number;
  rate: number;
  sampleSeconds: number;
  accounts: number;
  warmupMinutes: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      rate: { type: 'string', default: '5' },
      'sample-seconds': { type: 'string', default: '60' },
      accounts: { type: 'string', default: '200' },
      'warmup-minutes': { type: 'string' },
    },
    strict: true,
  });
  const number = (name: string, text: string | undefined, min: number): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min) {
      process.stderr.write(`soak: --${name} must be a number ≥ ${min}, got ${text}\n`);
      process.exit(2);
    }
    return value;
  };
  const minutes = number('minutes', values.minutes, 1);
  return {
    minutes,
    rate: number('rate', values.rate, 0.1),
    sampleSeconds: number('sample-seconds', values['sample-seconds'], 5),
    accounts: Math.floor(number('accounts', values.accounts, 10)),
    // Three minutes, or half of a short soak.
    warmupMinutes: number('warmup-minutes', values['warmup-minutes'] ?? String(Math.min(3, minutes / 2)), 0),
  };
}

const log = (message: string) => process.stderr.write(`${new Date().toISOString()} soak: ${message}\n`);

/** Outcomes of the load since the last sample, and in total. */
class Tally {
  ok = 0;
  errors = 0;
  backlog = 0;
  latencies: number[] = [];
  readonly byKind = new Map<string, { ok: number; errors: number }>();
  readonly firstErrors: string[] = [];
  totalOps = 0;
  totalErrors = 0;

  record(kind: string, ms: number, error?: string): void {
    const entry = this.byKind.get(kind) ?? { ok: 0, errors: 0 };
    this.byKind.set(kind, entry);
    this.latencies.push(ms);
    this.totalOps++;
    if (error === undefined) {
      this.ok++;
      entry.ok++;
      return;
    }
    this.error(`${kind}: ${error}`);
    entry.errors++;
  }

  error(message: string): void {
    this.errors++;
    this.totalErrors++;
    if (this.firstErrors.length < 20)
      this.firstErrors.push(`${new Date().toISOString()} ${message.slice(0, 500)}`);
  }

  /** The window's numbers; starts a new window. */
  take(): { ops: number; errors: number; backlog: number; p50: number; p95: number } {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    const window = {
      ops: this.ok + this.errors,
      errors: this.errors,
      backlog: this.backlog,
      p50: at(0.5),
      p95: at(0.95),
    };
    this.ok = this.errors = this.backlog = 0;
    this.latencies = [];
    return window;
  }
}

interface Sample {
  at: string;
  minute: number;
  ops: number;
  errors: number;
  backlog: number;
  p50Ms: number;
  p95Ms: number;
  processes: Record<
    string,
    { pid: number; rssMiB: number; fds: number; pgConnections: number; redisConnections: number }
  >;
  redis: { usedMemoryMiB: number; keys: number; keyMiB: number; completedJobs: number };
  runs: Record<string, number>;
  approvals: number;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const schema = uniqueSchema('soak');
  const prefix = `soak-${randomUUID().slice(0, 8)}`;
  const pgPort = Number(new URL(TEST_DATABASE_URL).port || 5432);
  const redisPort = Number(new URL(REDIS_URL).port || 6379);
  log(
    `schema ${schema}, redis prefix ${prefix}; ${options.minutes} min at ${options.rate} ops/s, a sample every ${options.sampleSeconds} s`,
  );

  const db = await ChaosDb.open(TEST_DATABASE_URL, schema);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  redis.on('error', (error: unknown) => log(`redis (sampling): ${String(error)}`));
  let cluster: ChaosCluster | undefined;
  let stopping = false;
  process.once('SIGINT', () => {
    log('SIGINT: ending the load, then the verdict on the samples so far');
    stopping = true;
  });
  try {
    const accounts = await db.prepare(options.accounts);
    cluster = new ChaosCluster({
      databaseUrl: TEST_DATABASE_URL,
      redisUrl: REDIS_URL,
      schema,
      prefix,
      config: {
        mcpServers: { crm: { builtin: 'crm' }, memory: { builtin: 'memory' }, vector: { builtin: 'vector' } },
      },
    });
    const [bridge, worker] = await Promise.all([
      cluster.startBridge(),
      cluster.startWorker('worker', { concurrency: 4 }),
    ]);
    log(`bridge ${cluster.url} (pid ${bridge.pid}), worker pid ${worker.pid}`);
    const client = cluster.client;
    const tally = new Tally();

    const callTool = async (name: string, args: Record<string, unknown>): Promise<void> => {
      const response = await client.request('POST', `/v1/tools/${name}/call`, { arguments: args });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${response.status} ${text.slice(0, 300)}`);
      const body = JSON.parse(text) as { result?: { isError?: boolean } };
      if (body.result?.isError) throw new Error(`isError: ${text.slice(0, 300)}`);
    };
    // A fixed corpus: queries read it, nothing grows it.
    await callTool('vector__create_collection', { name: COLLECTION });
    await callTool('vector__upsert_documents', {
      collection: COLLECTION,
      documents: Array.from({ length: 50 }, (_, i) => ({
        id: `doc-${i}`,
        text: `Account ${i} renewal notes: risk ${i % 5}, churn signals, open deals and support tickets.`,
        metadata: { bucket: i % 5 },
      })),
    });

    let n = 0;
    const pick = <T>(list: readonly T[]): T => list[n % list.length]!;
    const mix: Array<{ kind: string; weight: number; run: () => Promise<void> }> = [
      { kind: 'crm.get_account', weight: 3, run: () => callTool('crm__get_account', { id: pick(accounts) }) },
      {
        kind: 'memory.search_nodes',
        weight: 1,
        run: () => callTool('memory__search_nodes', { query: 'soak' }),
      },
      {
        kind: 'memory.create_entities',
        weight: 1,
        // Names and observations from small pools: the graph stops growing after the first minute.
        run: () =>
          callTool('memory__create_entities', {
            entities: [
              { name: `soak-entity-${n % 50}`, entityType: 'soak', observations: [`observation ${n % 7}`] },
            ],
          }),
      },
      {
        kind: 'memory.open_nodes',
        weight: 1,
        run: () => callTool('memory__open_nodes', { names: [`soak-entity-${n % 50}`] }),
      },
      {
        kind: 'vector.query',
        weight: 2,
        run: () =>
          callTool('vector__query', {
            collection: COLLECTION,
            text: pick(['renewal risk', 'churn', 'open deals', 'support']),
            topK: 5,
          }),
      },
      {
        kind: 'agent.submit',
        weight: 2,
        run: async () => {
          const outcome = await client.submit({
            agent: 'account-review',
            input: { accountId: pick(accounts) },
          });
          if (outcome.kind !== 'answered') throw new Error(JSON.stringify(outcome).slice(0, 300));
        },
      },
    ];
    const wheel = mix.flatMap((entry) => Array.from({ length: entry.weight }, () => entry));

    let inFlight = 0;
    const fire = () => {
      if (inFlight >= MAX_IN_FLIGHT) {
        tally.backlog++;
        return;
      }
      const entry = wheel[n % wheel.length]!;
      n++;
      inFlight++;
      const start = performance.now();
      entry
        .run()
        .then(
          () => tally.record(entry.kind, performance.now() - start),
          (error: unknown) => tally.record(entry.kind, performance.now() - start, describeFetchError(error)),
        )
        .finally(() => inFlight--);
    };

    // Approvals over REST, as a person (or a policy service) would grant them.
    let approvals = 0;
    const approver = (async () => {
      while (!stopping) {
        try {
          const { approvals: pending } = await client.getJson<{ approvals: Array<{ runId: string }> }>(
            '/v1/approvals?state=pending&limit=100',
          );
          for (const approval of pending) {
            const result = await client.approve(approval.runId);
            if (result.kind === 'failed') tally.error(`approve ${approval.runId}: ${result.why}`);
            else approvals++;
          }
        } catch (error) {
          tally.error(`approvals: ${describeFetchError(error)}`);
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();

    const logOffsets = new Map<ChaosProcess, number>();
    const scanLogs = () => {
      for (const proc of cluster!.all) {
        const text = proc.log();
        const fresh = text.slice(logOffsets.get(proc) ?? 0);
        logOffsets.set(proc, text.length);
        for (const line of fresh.split('\n'))
          if (/"level":(50|60)/.test(line) || /^(Error|node:|\s+throw)/.test(line))
            tally.error(`${proc.name} log: ${line}`);
        if (!proc.alive) tally.error(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode})`);
      }
    };
    let failedRuns = 0;
    const samples: Sample[] = [];
    const began = Date.now();
    const takeSample = async (): Promise<Sample> => {
      scanLogs();
      const runs = Object.fromEntries(
        (
          await db.query<{ status: string; n: number }>(
            'SELECT status, count(*)::int AS n FROM runs GROUP BY 1',
          )
        ).map((r) => [r.status, r.n]),
      );
      const failed = (runs['failed'] ?? 0) + (runs['needs_attention'] ?? 0);
      if (failed > failedRuns) {
        const why = await db.query<{ id: string; error: unknown }>(
          `SELECT id, error FROM runs WHERE status IN ('failed', 'needs_attention') ORDER BY updated_at DESC LIMIT $1`,
          [failed - failedRuns],
        );
        for (const run of why) tally.error(`run ${run.id} ended badly: ${JSON.stringify(run.error)}`);
        failedRuns = failed;
      }
      const window = tally.take();
      const processes: Sample['processes'] = {};
      for (const proc of cluster!.all) {
        const s = sampleProcess(proc.pid, [pgPort, redisPort]);
        processes[proc.name] = {
          pid: proc.pid,
          rssMiB: Math.round(s.rssKiB / 102.4) / 10,
          fds: s.fds,
          pgConnections: s.connections[pgPort] ?? 0,
          redisConnections: s.connections[redisPort] ?? 0,
        };
      }
      return {
        at: new Date().toISOString(),
        minute: Math.round((Date.now() - began) / 600) / 100,
        ops: window.ops,
        errors: window.errors,
        backlog: window.backlog,
        p50Ms: window.p50,
        p95Ms: window.p95,
        processes,
        redis: await redisFootprint(redis, prefix),
        runs,
        approvals,
      };
    };

    printHeader();
    const intervalMs = 1000 / options.rate;
    const endAt = began + options.minutes * 60_000;
    let nextSample = began + options.sampleSeconds * 1000;
    for (let tick = 0; !stopping && Date.now() < endAt; tick++) {
      fire();
      const due = began + (tick + 1) * intervalMs;
      if (Date.now() >= nextSample) {
        const sample = await takeSample();
        samples.push(sample);
        printRow(sample);
        nextSample += options.sampleSeconds * 1000;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
    stopping = true;
    await approver;
    // In-flight calls end (each is bounded by the client's timeout).
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 100));
    const last = await takeSample();
    samples.push(last);
    printRow(last);

    const verdict = judge(samples, options, tally);
    const byKind = Object.fromEntries(tally.byKind);
    console.log(`\nops by kind ${JSON.stringify(byKind)}`);
    console.log(
      `errors: ${tally.totalErrors} of ${tally.totalOps} operations${tally.firstErrors.length ? `; first:\n  ${tally.firstErrors.join('\n  ')}` : ''}`,
    );
    for (const line of verdict.lines) console.log(line);
    console.log(
      `verdict: ${verdict.ok ? 'PASS' : 'FAIL'} (flat after ${options.warmupMinutes} min of warm-up, no error)`,
    );
    const folder = join(ROOT, 'bench', 'results');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `soak-${new Date(began).toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ startedAt: new Date(began).toISOString(), options, samples, byKind, errors: tally.firstErrors, totalErrors: tally.totalErrors, totalOps: tally.totalOps, verdict }, null, 2)}\n`,
    );
    log(`results in ${file}; process logs in ${cluster.writeLogs('soak')}`);
    process.exitCode = verdict.ok ? 0 : 1;
  } finally {
    await cluster?.destroy();
    redis.disconnect();
    await db.close();
    await dropSchema(schema);
    await deleteRedisKeys(REDIS_URL, prefix);
  }
}

/** What this soak's keys take in Redis, and the server's used_memory (shared with every other user). */
async function redisFootprint(redis: Redis, prefix: string): Promise<Sample['redis']> {
  const info = await redis.info('memory');
  const usedMemory = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys += batch.length;
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.memory('USAGE', key);
    for (const [, size] of (await pipeline.exec()) ?? []) bytes += Number(size ?? 0);
  } while (cursor !== '0');
  const completedJobs = await redis.zcard(`${prefix}:agent-account-review:completed`);
  const mib = (value: number) => Math.round(value / 104_857.6) / 10;
  return { usedMemoryMiB: mib(usedMemory), keys, keyMiB: Math.round(bytes / 1048.576) / 1000, completedJobs };
}

const COLUMNS = [
  'min',
  'ops',
  'err',
  'p95ms',
  'bridge MiB',
  'fds',
  'pg',
  'redis',
  'worker MiB',
  'fds',
  'pg',
  'redis',
  'redis MiB',
  'keys',
  'key MiB',
  'runs done',
];

function printHeader(): void {
  console.log(COLUMNS.map((c) => c.padStart(10)).join(' '));
}

function printRow(s: Sample): void {
  const p = (name: string) => {
    const x = s.processes[name];
    return x ? [x.rssMiB, x.fds, x.pgConnections, x.redisConnections] : ['-', '-', '-', '-'];
  };
  const cells = [
    s.minute.toFixed(1),
    s.ops,
    s.errors,
    s.p95Ms,
    ...p('bridge'),
    ...p('worker'),
    s.redis.usedMemoryMiB,
    s.redis.keys,
    s.redis.keyMiB,
    s.runs['completed'] ?? 0,
  ];
  console.log(cells.map((c) => String(c).padStart(10)).join(' '));
}

/**
 * Flat: each measure's last sample is within 20% of its first sample after warm-up (counts of
 * fds and connections also within a few: 20% of 4 connections is less than one). Redis is judged
 * on this soak's own keys, and only once BullMQ's retention is full at the baseline (it keeps the
 * last 1,000 completed jobs per queue: growth until then is retention, not a leak).
 */
function judge(samples: Sample[], options: Options, tally: Tally): { ok: boolean; lines: string[] } {
  const lines: string[] = [];
  let ok = tally.totalErrors === 0;
  const baseline = samples.find((s) => s.minute >= options.warmupMinutes);
  const last = samples.at(-1)!;
  if (!baseline || baseline === last) {
    lines.push(
      `flatness: not judged (no sample after ${options.warmupMinutes} min of warm-up before the last)`,
    );
    return { ok: false, lines };
  }
  const check = (what: string, from: number, to: number, slack: number) => {
    const limit = Math.max(from * 1.2, from + slack);
    const flat = to <= limit;
    ok &&= flat;
    lines.push(
      `${flat ? 'flat ' : 'GREW '} ${what}: ${from} at ${baseline.minute} min → ${to} at ${last.minute} min (limit ${Math.round(limit * 10) / 10})`,
    );
  };
  for (const [name, base] of Object.entries(baseline.processes)) {
    const end = last.processes[name];
    if (!end) continue;
    check(`${name} RSS MiB`, base.rssMiB, end.rssMiB, 0);
    check(`${name} open fds`, base.fds, end.fds, 5);
    check(`${name} PostgreSQL connections`, base.pgConnections, end.pgConnections, 2);
    check(`${name} Redis connections`, base.redisConnections, end.redisConnections, 2);
  }
  if (baseline.redis.completedJobs >= KEPT_COMPLETED_JOBS)
    check('Redis MiB of this soak’s keys', baseline.redis.keyMiB, last.redis.keyMiB, 0.5);
  else
    lines.push(
      `Redis: not judged (BullMQ retention still filling: ${baseline.redis.completedJobs} of ${KEPT_COMPLETED_JOBS} completed jobs kept at the baseline); this soak’s keys ${baseline.redis.keyMiB} → ${last.redis.keyMiB} MiB, server used_memory ${baseline.redis.usedMemoryMiB} → ${last.redis.usedMemoryMiB} MiB (shared)`,
    );
  if (tally.totalErrors > 0) lines.push(`errors: ${tally.totalErrors}`);
  return { ok, lines };
}

await main();
