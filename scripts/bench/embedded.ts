/**
 * npm run bench:embedded [-- --rounds 2 --idle-ms 5000]
 *
 * The embedded default (`switchyard start`: PGlite with pgvector, the five built-in servers):
 * its idle RSS and its start to the first 200 from /ready, on a fresh home (the database created
 * and migrated) and on a warm one (the same home started again), against the floor of PGlite
 * with pgvector alone opened the same way (scripts/bench/pglite-floor.ts, in a process of its
 * own), with PostgreSQL's default shared_buffers and with Switchyard's. Measured in alternation,
 * `--rounds` times; medians reported. Prints a table with every goal met or not; writes
 * bench/results/embedded.json; exits 1 when a goal is missed. Runs dist/ when built.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { PGLITE_SHARED_BUFFERS } from '../../stores/sql/pglite-sql.js';
import { failWith, log, positiveArg } from './bench-cli.js';
import { BenchProcesses, nodeEntry, rssKiB } from './bridge-processes.js';

const fail = failWith('bench:embedded');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    'idle-ms': { type: 'string', default: '5000' },
    out: { type: 'string', default: 'bench/results/embedded.json' },
  },
});
const rounds = positiveArg('rounds', values.rounds, fail);
const idleMs = positiveArg('idle-ms', values['idle-ms'], fail);

const GOAL_RSS_MIB = 250;
const GOAL_RSS_VS_FLOOR = 1.2;
const GOAL_WARM_READY_MS = 3000;

const cli = nodeEntry('app/cli.ts');
const floorEntry = nodeEntry('scripts/bench/pglite-floor.ts');
const processes = new BenchProcesses();

interface Sample {
  rssKiB: number;
  /** Floor: PGlite.create → first query answered. Switchyard: spawn → first 200 from /ready. */
  ms: number;
}
type Phase = 'fresh' | 'warm';
type Series = Record<Phase, Sample[]>;

/** The floor: a process that opens PGlite (fresh, then warm) and reports its idle RSS. */
async function floor(sharedBuffers: string, initdbInChild: boolean): Promise<Record<Phase, Sample>> {
  const dataDir = join(processes.newHome(), 'pgdata');
  const once = () =>
    new Promise<Sample>((resolve, reject) => {
      const args = ['--expose-gc', ...floorEntry.args, dataDir, sharedBuffers];
      if (initdbInChild) args.push('initdb-in-child');
      execFile(floorEntry.command, args, { timeout: 600_000 }, (error, stdout, stderr) => {
        if (error) return reject(new Error(`pglite-floor failed: ${error.message}\n${stderr}`));
        const { rssKiB: rss, openMs } = JSON.parse(stdout) as { rssKiB: number; openMs: number };
        resolve({ rssKiB: rss, ms: openMs });
      });
    });
  return { fresh: await once(), warm: await once() };
}

/** `switchyard start` on a new home, then again on the same home: ready time and idle RSS. */
async function switchyard(config: string): Promise<Record<Phase, Sample>> {
  const home = processes.newHome();
  const once = async (): Promise<Sample> => {
    const bridge = await processes.startBridge(cli, config, home);
    const ms = (await processes.waitReady(bridge.url)) - bridge.spawnedAt;
    await sleep(idleMs);
    const samples: number[] = [];
    for (let i = 0; i < 5; i++, await sleep(200)) samples.push(rssKiB(bridge.pid));
    await processes.stop(bridge.pid);
    return { rssKiB: median(samples), ms: Math.round(ms) };
  };
  return { fresh: await once(), warm: await once() };
}

const SUBJECTS = [
  {
    name: 'PGlite + pgvector, PostgreSQL defaults (shared_buffers 128MB)',
    run: () => floor('default', false),
  },
  {
    name: `PGlite + pgvector as Switchyard opens it (shared_buffers ${PGLITE_SHARED_BUFFERS}, initdb in a child)`,
    run: () => floor(PGLITE_SHARED_BUFFERS, true),
  },
  {
    name: 'switchyard start, shared_buffers 128MB',
    run: () =>
      switchyard(
        processes.writeConfig('start-128', { api: { port: 0 }, database: { pgliteSharedBuffers: '128MB' } }),
      ),
  },
  {
    name: `switchyard start (default: shared_buffers ${PGLITE_SHARED_BUFFERS})`,
    run: () => switchyard(processes.writeConfig('start-default', { api: { port: 0 } })),
  },
] as const;
const [, FLOOR_CONFIGURED, , START_DEFAULT] = SUBJECTS.map((subject) => subject.name);

async function main(): Promise<void> {
  const series = new Map<string, Series>(SUBJECTS.map((s) => [s.name, { fresh: [], warm: [] }]));
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    // The order rotates each round, so drift in the machine's load does not favour one subject.
    const order = SUBJECTS.map((_, i) => SUBJECTS[(i + round) % SUBJECTS.length]!);
    for (const subject of order) {
      const result = await subject.run();
      log(
        `round ${round + 1}/${rounds} ${subject.name}: fresh ${mib(result.fresh.rssKiB)} MiB after ${result.fresh.ms} ms, warm ${mib(result.warm.rssKiB)} MiB after ${result.warm.ms} ms`,
      );
      series.get(subject.name)!.fresh.push(result.fresh);
      series.get(subject.name)!.warm.push(result.warm);
    }
  }
  const rows = SUBJECTS.map(({ name }) => {
    const s = series.get(name)!;
    return {
      name,
      freshRssMiB: mib(median(s.fresh.map((x) => x.rssKiB))),
      warmRssMiB: mib(median(s.warm.map((x) => x.rssKiB))),
      freshMs: median(s.fresh.map((x) => x.ms)),
      warmMs: median(s.warm.map((x) => x.ms)),
      samples: s,
    };
  });
  const byName = (name: string | undefined) => rows.find((row) => row.name === name)!;
  const start = byName(START_DEFAULT);
  const floorRow = byName(FLOOR_CONFIGURED);
  const goals = [
    {
      goal: `switchyard start idle RSS <= ${GOAL_RSS_MIB} MiB (warm home)`,
      value: `${start.warmRssMiB} MiB`,
      met: start.warmRssMiB <= GOAL_RSS_MIB,
    },
    {
      goal: `switchyard start idle RSS <= ${GOAL_RSS_MIB} MiB (fresh home)`,
      value: `${start.freshRssMiB} MiB`,
      met: start.freshRssMiB <= GOAL_RSS_MIB,
    },
    {
      goal: `switchyard start idle RSS <= ${GOAL_RSS_VS_FLOOR}x the configured PGlite floor (warm)`,
      value: `${(start.warmRssMiB / floorRow.warmRssMiB).toFixed(2)}x`,
      met: start.warmRssMiB <= GOAL_RSS_VS_FLOOR * floorRow.warmRssMiB,
    },
    {
      goal: `start to /ready <= ${GOAL_WARM_READY_MS} ms on a warm home`,
      value: `${start.warmMs} ms`,
      met: start.warmMs <= GOAL_WARM_READY_MS,
    },
  ];
  printTable(rows, goals);
  const report = {
    benchmark: 'embedded',
    params: { rounds, idleMs, runner: cli.compiled ? 'dist/app/cli.js' : 'tsx app/cli.ts' },
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg: loadavg() },
    goals,
    results: rows,
    pass: goals.every((g) => g.met),
    seconds: Math.round((performance.now() - started) / 1000),
    finishedAt: new Date().toISOString(),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${values.out}`);
  if (!report.pass) process.exitCode = 1;
}

function printTable(
  rows: { name: string; freshRssMiB: number; warmRssMiB: number; freshMs: number; warmMs: number }[],
  goals: { goal: string; value: string; met: boolean }[],
): void {
  const header = ['subject', 'idle RSS fresh', 'idle RSS warm', 'ready fresh', 'ready warm'];
  const body = rows.map((r) => [
    r.name,
    `${r.freshRssMiB} MiB`,
    `${r.warmRssMiB} MiB`,
    `${r.freshMs} ms`,
    `${r.warmMs} ms`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    '',
    `embedded default: medians of ${rounds} round(s), idle = ${idleMs} ms after ready (floor rows: "ready" is PGlite's open)`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    'goals:',
    ...goals.map((g) => `  ${g.goal}: ${g.value}: ${g.met ? 'met' : 'NOT MET'}`),
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

function mib(kib: number): number {
  return Math.round(kib / 1024);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(
      `bench:embedded failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(async () => {
    const left = await processes.stopAll();
    if (left.length > 0) log(`processes left running: ${left.join(', ')}`);
  });
