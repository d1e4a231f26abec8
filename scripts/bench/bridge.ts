/**
 * npm run bench:bridge [-- --rounds 3 --duration 5 --warmup-seconds 1 --connections 16
 *   --sessions 16 --calls 2000 --warmup 200 --upstreams 5 --cold-runs 3 --http-only]
 *
 * HTTP (http-fronts.ts): the same stdio echo upstream behind Switchyard's `/mcp` (an API key
 * configured, audit on: production shape), behind `mcp-proxy` and `supergateway` (the relays a
 * user would pick instead), and the bare SDK Streamable HTTP server with the tool in-process
 * (JSON answers, no relay: the bound). autocannon, in a process of its own, loads each front
 * with 1 connection on one session, `--connections` on one session and `--connections` on
 * `--sessions` sessions, and every answer is checked; the fronts run in alternation, the order
 * rotated each round. Reported: calls/s, p50/p99 and the CPU per call of the front's whole
 * process tree, as medians over the rounds, and the median of the per-round ratios to the best
 * peer and to the bare SDK server, each against its goal.
 * stdio: the echo tool called directly (SDK client → upstream) and through `switchyard mcp`,
 * alternating call by call. Then the bridge's memory per upstream and the cold start of the
 * default fleet (both skipped with --http-only). Fronts run from dist/ when built (`npm run
 * build`), else through tsx. Prints a table; writes bench/results/bridge.json and bridge.txt;
 * exits 1 when a goal is missed. Every process it started is ended before it exits.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Client } from '@modelcontextprotocol/client';
import { BenchProcesses, nodeEntry, rssKiB } from './bridge-processes.js';
import { percentile } from './ground-truth.js';
import {
  type FrontName,
  type Measurement,
  measureFronts,
  PEERS,
  type Scenario,
  startFronts,
  treeCpuUs,
} from './http-fronts.js';
import { failWith, log, positiveArg, progressBar } from './bench-cli.js';

const fail = failWith('bench:bridge');

const TARGET_STDIO_P50_RATIO = 2.0;
/** Switchyard's calls/s over the best peer's, and its CPU per call over the best peer's. */
const TARGET_VS_PEER = 1.0;
/** Then the physical bound: one extra hop behind the bare SDK server. */
const TARGET_VS_SDK = 0.7;
const TEXT = 'ping';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    'warmup-seconds': { type: 'string', default: '1' },
    connections: { type: 'string', default: '16' },
    sessions: { type: 'string', default: '16' },
    calls: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    upstreams: { type: 'string', default: '5' },
    'cold-runs': { type: 'string', default: '3' },
    'http-only': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/bridge.json' },
  },
});
const rounds = positiveArg('rounds', values.rounds, fail);
const durationSeconds = positiveArg('duration', values.duration, fail);
const warmupSeconds = positiveArg('warmup-seconds', values['warmup-seconds'], fail);
const connections = positiveArg('connections', values.connections, fail);
const sessions = positiveArg('sessions', values.sessions, fail);
const calls = positiveArg('calls', values.calls, fail);
const warmup = positiveArg('warmup', values.warmup, fail);
const upstreams = positiveArg('upstreams', values.upstreams, fail);
const coldRuns = positiveArg('cold-runs', values['cold-runs'], fail);
const httpOnly = values['http-only']!;
if (rounds < 3) log('bench:bridge: fewer than 3 rounds: the medians are weak');
if (upstreams < 2) fail('--upstreams must be at least 2 (memory per upstream compares 1 with it)');

const cli = nodeEntry('app/cli.ts');
const echo = nodeEntry('scripts/bench/echo-upstream.ts');
const echoHttp = nodeEntry('scripts/bench/echo-http-server.ts');
const processes = new BenchProcesses();

const SCENARIOS: Scenario[] = [
  { name: '1 conn, 1 session', connections: 1, sessions: 1 },
  { name: `${connections} conn, 1 session`, connections, sessions: 1 },
  { name: `${connections} conn, ${sessions} sessions`, connections, sessions },
];

type StdioPathName = 'direct' | 'stdio bridge';

/** One way of reaching the echo tool over stdio. */
interface Path {
  name: StdioPathName;
  tool: string;
  client: Client;
  /** The processes serving this path (server and its upstreams), for their CPU time. */
  serverPids: number[];
}

async function main(): Promise<void> {
  log(
    `fronts: ${cli.compiled ? 'dist/app/cli.js' : 'app/cli.ts through tsx'}; echo upstream: ${echo.compiled ? 'compiled' : 'tsx'}`,
  );
  const loadBefore = loadavg();
  const fronts = await startFronts(processes, { cli, echo, echoHttp }, Math.max(sessions, 1));
  const measurements = await measureFronts(fronts, SCENARIOS, { rounds, durationSeconds, warmupSeconds });
  const startRssKiB = rssKiB(fronts.find((f) => f.name === 'switchyard')!.pid);
  for (const front of fronts) await processes.stop(front.pid);
  const http = summarize(measurements);

  const stdio = await measureStdio();
  const memory = httpOnly ? undefined : await measureMemory(startRssKiB);
  const coldStart = httpOnly ? undefined : await measureColdStart();

  const goals = [
    ...stdio
      .filter((r) => r.path === 'stdio bridge')
      .map((r) => ({
        goal: `stdio bridge p50 <= ${TARGET_STDIO_P50_RATIO}x direct`,
        value: round(r.p50VsDirect, 2),
        met: r.p50VsDirect <= TARGET_STDIO_P50_RATIO,
      })),
    ...http.ratios.flatMap((r) => [
      {
        goal: `switchyard calls/s >= ${TARGET_VS_PEER}x the best peer's, ${r.scenario} (median of per-round ratios)`,
        value: r.callsVsBestPeer,
        met: r.callsVsBestPeer >= TARGET_VS_PEER,
      },
      {
        goal: `switchyard server CPU per call <= ${TARGET_VS_PEER}x the best peer's, ${r.scenario}`,
        value: r.cpuVsBestPeer,
        met: r.cpuVsBestPeer <= TARGET_VS_PEER,
      },
      {
        goal: `switchyard calls/s >= ${TARGET_VS_SDK}x the bare SDK server's, ${r.scenario}`,
        value: r.callsVsSdk,
        met: r.callsVsSdk >= TARGET_VS_SDK,
      },
    ]),
  ];
  const report = {
    benchmark: 'bridge',
    params: {
      rounds,
      durationSeconds,
      warmupSeconds,
      connections,
      sessions,
      calls,
      warmup,
      upstreams,
      coldRuns,
    },
    runner: { fronts: cli.compiled ? 'dist' : 'tsx', echoUpstream: echo.compiled ? 'dist' : 'tsx' },
    loadGenerator: 'autocannon, in its own process; one request in flight per connection',
    protocol: 'MCP 2025-11-25 requests (JSON-RPC tools/call with a session)',
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      node: process.version,
      loadavgBefore: loadBefore.map((x) => round(x, 2)),
      loadavgAfter: loadavg().map((x) => round(x, 2)),
    },
    http,
    stdio,
    memory,
    coldStart,
    goals,
    pass: goals.every((g) => g.met),
    finishedAt: new Date().toISOString(),
  };
  const table = formatTable(report);
  process.stdout.write(table);
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(values.out!.replace(/\.json$/, '.txt'), table);
  log(`wrote ${values.out}`);
  if (!report.pass) process.exitCode = 1;
}

/** Medians per front and scenario, and the medians of the per-round ratios. */
function summarize(measurements: Measurement[]) {
  const of = (front: FrontName, scenario: string) =>
    measurements.filter((m) => m.front === front && m.scenario === scenario);
  const fronts = [...new Set(measurements.map((m) => m.front))];
  const rows = SCENARIOS.flatMap((s) =>
    fronts.map((front) => {
      const runs = of(front, s.name);
      return {
        scenario: s.name,
        front,
        callsPerSecond: Math.round(median(runs.map((m) => m.callsPerSecond))),
        p50Ms: median(runs.map((m) => m.p50Ms)),
        p99Ms: median(runs.map((m) => m.p99Ms)),
        serverCpuUsPerCall: Math.round(median(runs.map((m) => m.serverCpuUsPerCall))),
        rounds: runs.map((m) => Math.round(m.callsPerSecond)),
      };
    }),
  );
  const ratios = SCENARIOS.map((s) => {
    const perRound = Array.from({ length: rounds }, (_, i) => {
      const at = (front: FrontName) => of(front, s.name).find((m) => m.round === i + 1)!;
      const sy = at('switchyard');
      const peers = PEERS.map(at);
      return {
        callsVsBestPeer: sy.callsPerSecond / Math.max(...peers.map((p) => p.callsPerSecond)),
        cpuVsBestPeer: sy.serverCpuUsPerCall / Math.min(...peers.map((p) => p.serverCpuUsPerCall)),
        callsVsSdk: sy.callsPerSecond / at('sdk (no relay)').callsPerSecond,
      };
    });
    return {
      scenario: s.name,
      callsVsBestPeer: round(median(perRound.map((r) => r.callsVsBestPeer)), 2),
      cpuVsBestPeer: round(median(perRound.map((r) => r.cpuVsBestPeer)), 2),
      callsVsSdk: round(median(perRound.map((r) => r.callsVsSdk)), 2),
      rounds: perRound.map((r) => ({
        callsVsBestPeer: round(r.callsVsBestPeer, 2),
        cpuVsBestPeer: round(r.cpuVsBestPeer, 2),
        callsVsSdk: round(r.callsVsSdk, 2),
      })),
    };
  });
  return { rows, ratios, measurements };
}

/** The stdio rows: direct vs `switchyard mcp`, latency alternating call by call, then throughput. */
async function measureStdio() {
  log('stdio: starting the echo upstream and switchyard mcp');
  const config = processes.writeConfig('echo-1', { mcpServers: echoServers(1) });
  const direct = await processes.stdioClient(echo);
  const stdio = await processes.stdioClient(
    { ...cli, args: [...cli.args, '--config', config, 'mcp'] },
    { SWITCHYARD_HOME: processes.newHome() },
  );
  await waitForTool(stdio.client, 'echo__echo');
  const paths: Path[] = [
    { name: 'direct', tool: 'echo', client: direct.client, serverPids: [direct.pid] },
    {
      name: 'stdio bridge',
      tool: 'echo__echo',
      client: stdio.client,
      serverPids: [stdio.pid, ...processes.noteUpstreams(stdio.pid)],
    },
  ];
  const latency = await measureLatency(paths);
  const rows = [];
  for (const path of paths) {
    const throughput = await measureThroughput(path);
    const times = latency.get(path.name)!;
    const sorted = [...times].sort((a, b) => a - b);
    rows.push({
      path: path.name,
      p50Ms: round(percentile(sorted, 50), 3),
      p99Ms: round(percentile(sorted, 99), 3),
      p50VsDirect: 0,
      // Sequential calls with one client: one over the mean latency.
      callsPerSecond1: Math.round(1000 / mean(times)),
      callsPerSecondN: Math.round(throughput.callsPerSecond),
      serverCpuUsPerCall: Math.round(throughput.serverCpuUsPerCall),
    });
  }
  for (const r of rows) r.p50VsDirect = round(r.p50Ms / rows[0]!.p50Ms, 3);
  for (const client of [direct.client, stdio.client]) await client.close();
  await processes.stop(stdio.pid);
  return rows;
}

function echoServers(n: number): Record<string, { command: string; args: string[] }> {
  const servers: Record<string, { command: string; args: string[] }> = {};
  for (let i = 1; i <= n; i++)
    servers[n === 1 ? 'echo' : `echo${i}`] = { command: echo.command, args: echo.args };
  return servers;
}

/** `switchyard mcp` answers before its upstream is up: the tool is listed once it is. */
async function waitForTool(client: Client, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const { tools } = await client.listTools();
    if (tools.some((tool) => tool.name === name)) return;
    await sleep(50);
  }
  throw new Error(`${name} was not listed within ${timeoutMs} ms`);
}

async function callEcho(client: Client, tool: string): Promise<void> {
  const result = await client.callTool({ name: tool, arguments: { text: TEXT } });
  const content = result.content as { type: string; text?: string }[] | undefined;
  if (result.isError || content?.[0]?.text !== TEXT)
    throw new Error(`${tool} answered ${JSON.stringify(result).slice(0, 300)}`);
}

/** Sequential calls, one client per path; the paths take turns, in a rotating order. */
async function measureLatency(paths: Path[]): Promise<Map<StdioPathName, number[]>> {
  const times = new Map<StdioPathName, number[]>(paths.map((p) => [p.name, []]));
  const progress = progressBar('latency (sequential)');
  progress.start(warmup + calls, 0);
  for (let i = 0; i < warmup + calls; i++) {
    for (let k = 0; k < paths.length; k++) {
      const path = paths[(i + k) % paths.length]!;
      const start = performance.now();
      await callEcho(path.client, path.tool);
      if (i >= warmup) times.get(path.name)!.push(performance.now() - start);
    }
    progress.update(i + 1);
  }
  progress.stop();
  return times;
}

/**
 * `calls` calls with `connections` in flight at all times: calls per second, and the CPU time per
 * call of this process (the clients) and of the path's server processes.
 */
async function measureThroughput(
  path: Path,
): Promise<{ callsPerSecond: number; clientCpuUsPerCall: number; serverCpuUsPerCall: number }> {
  const run = async (total: number, onDone: (done: number) => void) => {
    let started = 0;
    let done = 0;
    // A stdio server has one client: the calls in flight share its connection.
    const worker = async () => {
      const client = path.client;
      while (started < total) {
        started++;
        await callEcho(client, path.tool);
        onDone(++done);
      }
    };
    await Promise.all(Array.from({ length: connections }, () => worker()));
  };
  await run(Math.min(warmup, calls) + connections, () => {});
  const progress = progressBar(`${path.name} x${connections}`);
  progress.start(calls, 0);
  const serverCpuBefore = treeCpuUs(path.serverPids);
  const clientCpuBefore = process.cpuUsage();
  const start = performance.now();
  await run(calls, (done) => {
    if (done % 50 === 0) progress.update(done);
  });
  const seconds = (performance.now() - start) / 1000;
  const client = process.cpuUsage(clientCpuBefore);
  const serverUs = treeCpuUs(path.serverPids) - serverCpuBefore;
  progress.update(calls);
  progress.stop();
  return {
    callsPerSecond: calls / seconds,
    clientCpuUsPerCall: (client.user + client.system) / calls,
    serverCpuUsPerCall: serverUs / calls,
  };
}

/**
 * VmRSS of `switchyard mcp` with 1 and with `upstreams` echo upstreams, once all are listed.
 * `switchyard mcp`, not `start`: start's embedded database and API make a baseline hundreds of
 * MiB large whose garbage-collection swings hide an upstream's few MiB.
 */
async function measureMemory(startRssKiB: number) {
  const sample = async (n: number) => {
    const config = processes.writeConfig(`echo-${n}`, { mcpServers: echoServers(n) });
    const bridge = await processes.stdioClient(
      { ...cli, args: [...cli.args, '--config', config, 'mcp'] },
      { SWITCHYARD_HOME: processes.newHome() },
    );
    for (const name of Object.keys(echoServers(n))) await waitForTool(bridge.client, `${name}__echo`);
    const children = processes.noteUpstreams(bridge.pid);
    // Let start-up garbage settle; the median of a few samples smooths a GC in between.
    await sleep(1_000);
    const samples: number[] = [];
    for (let i = 0; i < 5; i++, await sleep(200)) samples.push(rssKiB(bridge.pid));
    const upstreamRss = children.map((pid) => rssKiB(pid));
    await bridge.client.close();
    await processes.stop(bridge.pid);
    const rss = median(samples);
    log(`memory: ${n} upstream(s): switchyard mcp VmRSS ${(rss / 1024).toFixed(1)} MiB`);
    return { rssKiB: rss, upstreamProcessRssKiB: median(upstreamRss) };
  };
  const one = await sample(1);
  const many = await sample(upstreams);
  return {
    bridge: 'switchyard mcp',
    bridgeRssKiB: { 1: one.rssKiB, [upstreams]: many.rssKiB },
    /** What one more upstream costs the bridge process: (RSS(N) − RSS(1)) / (N − 1). */
    perUpstreamKiB: Math.round((many.rssKiB - one.rssKiB) / (upstreams - 1)),
    /** The echo upstream's own process, for scale (it is not part of the bridge). */
    upstreamProcessRssKiB: many.upstreamProcessRssKiB,
    /** `switchyard start` with 1 echo upstream, after the HTTP throughput run. */
    startRssKiB,
  };
}

/** Spawn → first 200 from /ready, the default fleet (no mcpServers: the five built-ins), fresh home. */
async function measureColdStart() {
  const config = processes.writeConfig('default-fleet', { api: { port: 0 } });
  const runs: { listeningMs: number; readyMs: number }[] = [];
  for (let r = 0; r < coldRuns; r++) {
    const bridge = await processes.startBridge(cli, config, processes.newHome());
    const listeningMs = performance.now() - bridge.spawnedAt;
    const readyMs = (await processes.waitReady(bridge.url)) - bridge.spawnedAt;
    await processes.stop(bridge.pid);
    log(
      `cold start ${r + 1}/${coldRuns}: listening after ${Math.round(listeningMs)} ms, ready after ${Math.round(readyMs)} ms`,
    );
    runs.push({ listeningMs: Math.round(listeningMs), readyMs: Math.round(readyMs) });
  }
  return {
    runner: cli.compiled ? 'dist/app/cli.js' : 'tsx app/cli.ts',
    home: 'fresh (database created and migrated on each run)',
    medianReadyMs: median(runs.map((r) => r.readyMs)),
    runs,
  };
}

type Memory = Awaited<ReturnType<typeof measureMemory>>;
type ColdStart = Awaited<ReturnType<typeof measureColdStart>>;

function formatTable(report: {
  http: ReturnType<typeof summarize>;
  stdio: Awaited<ReturnType<typeof measureStdio>>;
  memory: Memory | undefined;
  coldStart: ColdStart | undefined;
  goals: { goal: string; value: number; met: boolean }[];
  machine: { cpus: number; loadavgBefore: number[]; loadavgAfter: number[] };
}): string {
  const { http, stdio, memory, coldStart, goals, machine } = report;
  const httpTable = columns(
    ['scenario', 'front', 'calls/s', 'p50 ms', 'p99 ms', 'server µs/call', 'calls/s by round'],
    http.rows.map((r) => [
      r.scenario,
      r.front,
      String(r.callsPerSecond),
      r.p50Ms.toFixed(2),
      r.p99Ms.toFixed(2),
      String(r.serverCpuUsPerCall),
      r.rounds.join(' / '),
    ]),
  );
  const ratioTable = columns(
    ['scenario', 'calls/s vs best peer', 'CPU/call vs best peer', 'calls/s vs bare SDK'],
    http.ratios.map((r) => [
      r.scenario,
      `${r.callsVsBestPeer.toFixed(2)}x (${r.rounds.map((x) => x.callsVsBestPeer.toFixed(2)).join(', ')})`,
      `${r.cpuVsBestPeer.toFixed(2)}x (${r.rounds.map((x) => x.cpuVsBestPeer.toFixed(2)).join(', ')})`,
      `${r.callsVsSdk.toFixed(2)}x (${r.rounds.map((x) => x.callsVsSdk.toFixed(2)).join(', ')})`,
    ]),
  );
  const stdioTable = columns(
    [
      'stdio path',
      'p50 ms',
      'p99 ms',
      'p50 vs direct',
      'calls/s x1',
      `calls/s x${connections}`,
      'server µs/call',
    ],
    stdio.map((r) => [
      r.path,
      r.p50Ms.toFixed(3),
      r.p99Ms.toFixed(3),
      `${r.p50VsDirect.toFixed(2)}x`,
      String(r.callsPerSecond1),
      String(r.callsPerSecondN),
      String(r.serverCpuUsPerCall),
    ]),
  );
  const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
  const out = [
    '',
    `bridge benchmark, ${machine.cpus} CPUs, load average ${machine.loadavgBefore.join('/')} before, ${machine.loadavgAfter.join('/')} after`,
    `HTTP: echo tool over stdio behind each front; autocannon in its own process, ${rounds} rounds of ${durationSeconds} s per front and scenario (after ${warmupSeconds} s warm-up), fronts alternating, medians; switchyard with an API key and audit on`,
    ...httpTable,
    '',
    'switchyard against the others: median of the per-round ratios (the rounds in brackets)',
    ...ratioTable,
    '',
    `stdio: ${calls} sequential calls after ${warmup} warm-up, alternating call by call; x${connections}: calls in flight on the one connection`,
    ...stdioTable,
    '',
    ...(memory
      ? [
          `memory (${memory.bridge}, VmRSS): 1 upstream ${mib(memory.bridgeRssKiB[1]!)}, ${upstreams} upstreams ${mib(memory.bridgeRssKiB[upstreams]!)} → ${mib(memory.perUpstreamKiB)} per upstream (+ ${mib(memory.upstreamProcessRssKiB)} for each echo process itself); switchyard start with 1 upstream after the HTTP runs: ${mib(memory.startRssKiB)}`,
        ]
      : []),
    ...(coldStart
      ? [
          `cold start of the default fleet (${coldStart.runner}, ${coldStart.home}): median ${coldStart.medianReadyMs} ms to /ready 200 (runs: ${coldStart.runs.map((r) => `${r.readyMs} ms`).join(', ')})`,
        ]
      : []),
    ...goals.map((g) => `goal: ${g.goal}: ${g.value} — ${g.met ? 'met' : 'NOT met'}`),
    '',
  ];
  return `${out.join('\n')}\n`;
}

function columns(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

// Ctrl-C: end the children first, or the bridges and their upstreams outlive the benchmark.
process.once('SIGINT', () => {
  processes
    .stopAll()
    .catch((error: unknown) => log(`stopping processes: ${String(error)}`))
    .finally(() => process.exit(130));
});

main()
  .catch((error: unknown) => {
    process.stderr.write(
      `bench:bridge failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(async () => {
    const left = await processes.stopAll();
    if (left.length > 0) log(`bench:bridge: processes ${left.join(', ')} could not be ended`);
  });
