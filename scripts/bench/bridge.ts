/**
 * npm run bench:bridge [-- --calls 2000 --warmup 200 --concurrency 16 --upstreams 5 --cold-runs 3]
 *
 * An echo tool called five ways in the same run: directly (SDK client → echo upstream over
 * stdio, the baseline), through `switchyard mcp` (stdio front), through `switchyard start`'s /mcp
 * (Streamable HTTP front), and — the second baseline, for the HTTP rows — served by the bare SDK
 * over Streamable HTTP (scripts/bench/echo-http-server.ts), once with SSE answers (the SDK's
 * default) and once with `enableJsonResponse`. For each: p50/p99 latency of one call (one client,
 * sequential; the paths alternate call by call so drift hits them alike) and calls/s with 1 and
 * with `--concurrency` clients, and what one call costs in CPU during the concurrent run, in the
 * benchmark process (the SDK clients: the load generator) and in the processes serving it (bridge
 * and upstream). The load generator runs in this process, the servers in their own; on a 2-core
 * machine they share the cores, so the CPU columns say how much of the ceiling is the client's.
 * Then the bridge's memory per upstream (VmRSS of `switchyard mcp` with 1 and with `--upstreams`
 * echo upstreams) and the cold start of the default fleet (spawn → /ready 200). Bridges run from
 * dist/ when built (`npm run build`), else through tsx. Prints a table; writes
 * bench/results/bridge.json. Every process it started is ended before it exits.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { BenchProcesses, childPids, nodeEntry, rssKiB } from './bridge-processes.js';
import { percentile } from './ground-truth.js';
import { rawHttpCalls } from './raw-http-calls.js';
import { failWith, log, positiveArg, progressBar } from './bench-cli.js';

const fail = failWith('bench:bridge');

const TARGET_P50_RATIO = 2.0;
const TARGET_HTTP_CALLS_PER_SECOND = 2_000;
const TEXT = 'ping';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    upstreams: { type: 'string', default: '5' },
    'cold-runs': { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench/results/bridge.json' },
  },
});
const calls = positiveArg('calls', values.calls, fail);
const warmup = positiveArg('warmup', values.warmup, fail);
const concurrency = positiveArg('concurrency', values.concurrency, fail);
const upstreams = positiveArg('upstreams', values.upstreams, fail);
const coldRuns = positiveArg('cold-runs', values['cold-runs'], fail);
if (upstreams < 2) fail('--upstreams must be at least 2 (memory per upstream compares 1 with it)');

const cli = nodeEntry('app/cli.ts');
const echo = nodeEntry('scripts/bench/echo-upstream.ts');
const echoHttp = nodeEntry('scripts/bench/echo-http-server.ts');
const processes = new BenchProcesses();

type PathName = 'direct' | 'stdio bridge' | 'http bridge' | 'sdk http (sse)' | 'sdk http (json)';
const HTTP_PATHS: readonly PathName[] = ['http bridge', 'sdk http (sse)', 'sdk http (json)'];

/** One way of reaching the echo tool. */
interface Path {
  name: PathName;
  tool: string;
  /** One client for stdio (a stdio server has exactly one); `concurrency` sessions for HTTP. */
  clients: Client[];
  /** The `switchyard start` process, for its memory. */
  pid?: number;
  /** The processes serving this path (server and its upstreams), for their CPU time. */
  serverPids: number[];
  /** HTTP paths: the endpoint the clients are connected to. */
  mcpUrl?: string;
}

interface PathResult {
  path: PathName;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  p50VsDirect: number;
  callsPerSecond1: number;
  callsPerSecondN: number;
  /** How the concurrent calls were issued. */
  concurrencyMode: string;
  callsPerSecondNVsDirect: number;
  /** CPU time per call in the concurrent run: this process (the SDK clients) and the servers. */
  clientCpuUsPerCall: number;
  serverCpuUsPerCall: number;
  /** HTTP paths: the same concurrent run with the minimal client of raw-http-calls.ts. */
  rawClient?: { callsPerSecondN: number; clientCpuUsPerCall: number; serverCpuUsPerCall: number };
}

async function main(): Promise<void> {
  log(
    `bridge: ${cli.compiled ? 'dist/app/cli.js' : 'app/cli.ts through tsx'}; echo upstream: ${echo.compiled ? 'compiled' : 'tsx'}`,
  );
  const loadBefore = loadavg();
  const paths = await openPaths();
  const latency = await measureLatency(paths);
  const results: PathResult[] = [];
  for (const path of paths) {
    const {
      callsPerSecond: callsPerSecondN,
      clientCpuUsPerCall,
      serverCpuUsPerCall,
    } = await measureThroughput(path);
    const times = latency.get(path.name)!;
    const sorted = [...times].sort((a, b) => a - b);
    results.push({
      path: path.name,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      meanMs: mean(times),
      p50VsDirect: 0,
      // Sequential calls with one client: one over the mean latency.
      callsPerSecond1: 1000 / mean(times),
      callsPerSecondN,
      concurrencyMode: HTTP_PATHS.includes(path.name)
        ? `${path.clients.length} client sessions`
        : `1 stdio connection, ${concurrency} calls in flight`,
      callsPerSecondNVsDirect: 0,
      clientCpuUsPerCall,
      serverCpuUsPerCall,
      ...(HTTP_PATHS.includes(path.name) ? { rawClient: await measureRawThroughput(path) } : {}),
    });
  }
  const startRssKiB = rssKiB(paths.find((p) => p.pid !== undefined)!.pid!);
  await closePaths(paths);
  const direct = results[0]!;
  for (const r of results) {
    r.p50VsDirect = r.p50Ms / direct.p50Ms;
    r.callsPerSecondNVsDirect = r.callsPerSecondN / direct.callsPerSecondN;
  }
  const memory = await measureMemory(startRssKiB);
  const coldStart = await measureColdStart();

  const http = results.find((r) => r.path === 'http bridge')!;
  const sdkHttp = results.filter((r) => r.path.startsWith('sdk http'));
  const goals = [
    ...results
      .filter((r) => r.path === 'stdio bridge' || r.path === 'http bridge')
      .map((r) => ({
        goal: `${r.path} p50 <= ${TARGET_P50_RATIO}x direct`,
        value: round(r.p50VsDirect, 2),
        met: r.p50VsDirect <= TARGET_P50_RATIO,
      })),
    {
      goal: `http bridge >= ${TARGET_HTTP_CALLS_PER_SECOND} calls/s with ${concurrency} clients`,
      value: Math.round(http.callsPerSecondN),
      met: http.callsPerSecondN >= TARGET_HTTP_CALLS_PER_SECOND,
    },
  ];
  const report = {
    benchmark: 'bridge',
    params: { calls, warmup, concurrency, upstreams, coldRuns },
    runner: { bridge: cli.compiled ? 'dist' : 'tsx', echoUpstream: echo.compiled ? 'dist' : 'tsx' },
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      node: process.version,
      loadavgBefore: loadBefore.map((x) => round(x, 2)),
      loadavgAfter: loadavg().map((x) => round(x, 2)),
    },
    targets: { p50Ratio: TARGET_P50_RATIO, httpCallsPerSecond: TARGET_HTTP_CALLS_PER_SECOND },
    results: results.map((r) => ({
      ...r,
      p50Ms: round(r.p50Ms, 3),
      p99Ms: round(r.p99Ms, 3),
      meanMs: round(r.meanMs, 3),
      p50VsDirect: round(r.p50VsDirect, 3),
      callsPerSecond1: Math.round(r.callsPerSecond1),
      callsPerSecondN: Math.round(r.callsPerSecondN),
      callsPerSecondNVsDirect: round(r.callsPerSecondNVsDirect, 3),
      clientCpuUsPerCall: Math.round(r.clientCpuUsPerCall),
      serverCpuUsPerCall: Math.round(r.serverCpuUsPerCall),
      ...(r.rawClient
        ? {
            rawClient: {
              callsPerSecondN: Math.round(r.rawClient.callsPerSecondN),
              clientCpuUsPerCall: Math.round(r.rawClient.clientCpuUsPerCall),
              serverCpuUsPerCall: Math.round(r.rawClient.serverCpuUsPerCall),
            },
          }
        : {}),
    })),
    memory,
    coldStart,
    goals,
    /** The HTTP bridge against the bare SDK serving the same tool over HTTP (the second baseline). */
    httpBridgeVsSdkHttp: sdkHttp.map((r) => ({
      baseline: r.path,
      p50Ratio: round(http.p50Ms / r.p50Ms, 3),
      callsPerSecondNRatio: round(http.callsPerSecondN / r.callsPerSecondN, 3),
    })),
    pass: goals.every((g) => g.met),
    finishedAt: new Date().toISOString(),
  };
  printTable(report.results, memory, coldStart, goals, report.machine, report.httpBridgeVsSdkHttp);
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${values.out}`);
  if (!report.pass) process.exitCode = 1;
}

function echoServers(n: number): Record<string, { command: string; args: string[] }> {
  const servers: Record<string, { command: string; args: string[] }> = {};
  for (let i = 1; i <= n; i++)
    servers[n === 1 ? 'echo' : `echo${i}`] = { command: echo.command, args: echo.args };
  return servers;
}

async function openPaths(): Promise<Path[]> {
  log('starting the echo upstream, switchyard mcp and switchyard start');
  const config = processes.writeConfig('echo-1', { mcpServers: echoServers(1), api: { port: 0 } });
  const direct = await processes.stdioClient(echo);
  const sdkSse = await processes.startHttpServer(echoHttp, processes.newHome());
  const sdkJson = await processes.startHttpServer(
    { ...echoHttp, args: [...echoHttp.args, '--json'] },
    processes.newHome(),
  );
  const stdio = await processes.stdioClient(
    { ...cli, args: [...cli.args, '--config', config, 'mcp'] },
    { SWITCHYARD_HOME: processes.newHome() },
  );
  await waitForTool(stdio.client, 'echo__echo');
  const stdioUpstreams = processes.noteUpstreams(stdio.pid);
  const bridge = await processes.startBridge(cli, config, processes.newHome());
  await processes.waitReady(bridge.url);
  const bridgeUpstreams = processes.noteUpstreams(bridge.pid);
  const httpClients = (url: string) =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        const client = new Client({ name: 'bench-bridge', version: '0.0.1' });
        await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
        return client;
      }),
    );
  return [
    { name: 'direct', tool: 'echo', clients: [direct.client], serverPids: [direct.pid] },
    {
      name: 'stdio bridge',
      tool: 'echo__echo',
      clients: [stdio.client],
      serverPids: [stdio.pid, ...stdioUpstreams],
    },
    {
      name: 'http bridge',
      tool: 'echo__echo',
      clients: await httpClients(bridge.url),
      mcpUrl: `${bridge.url}/mcp`,
      pid: bridge.pid,
      serverPids: [bridge.pid, ...bridgeUpstreams],
    },
    {
      name: 'sdk http (sse)',
      tool: 'echo',
      clients: await httpClients(sdkSse.url),
      mcpUrl: `${sdkSse.url}/mcp`,
      serverPids: [sdkSse.pid, ...childPids(sdkSse.pid)],
    },
    {
      name: 'sdk http (json)',
      tool: 'echo',
      clients: await httpClients(sdkJson.url),
      mcpUrl: `${sdkJson.url}/mcp`,
      serverPids: [sdkJson.pid, ...childPids(sdkJson.pid)],
    },
  ];
}

async function closePaths(paths: Path[]): Promise<void> {
  for (const client of paths.flatMap((p) => p.clients)) {
    const transport = client.transport;
    if (transport instanceof StreamableHTTPClientTransport)
      await transport
        .terminateSession()
        .catch((error: unknown) => log(`ending an HTTP session: ${String(error)}`));
    await client.close();
  }
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
async function measureLatency(paths: Path[]): Promise<Map<PathName, number[]>> {
  const times = new Map<PathName, number[]>(paths.map((p) => [p.name, []]));
  const progress = progressBar('latency (sequential)');
  progress.start(warmup + calls, 0);
  for (let i = 0; i < warmup + calls; i++) {
    for (let k = 0; k < paths.length; k++) {
      const path = paths[(i + k) % paths.length]!;
      const start = performance.now();
      await callEcho(path.clients[0]!, path.tool);
      if (i >= warmup) times.get(path.name)!.push(performance.now() - start);
    }
    progress.update(i + 1);
  }
  progress.stop();
  return times;
}

/**
 * `calls` calls with `concurrency` in flight at all times: calls per second, and the CPU time per
 * call of this process (the clients) and of the path's server processes.
 */
async function measureThroughput(
  path: Path,
): Promise<{ callsPerSecond: number; clientCpuUsPerCall: number; serverCpuUsPerCall: number }> {
  const run = async (total: number, onDone: (done: number) => void) => {
    let started = 0;
    let done = 0;
    // Worker k always uses the same client: HTTP gets one session per worker, stdio shares one.
    const worker = async (k: number) => {
      const client = path.clients[k % path.clients.length]!;
      while (started < total) {
        started++;
        await callEcho(client, path.tool);
        onDone(++done);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, k) => worker(k)));
  };
  await run(Math.min(warmup, calls) + concurrency, () => {});
  const progress = progressBar(`${path.name} x${concurrency}`);
  progress.start(calls, 0);
  const serverCpuBefore = path.serverPids.map(cpuUs);
  const clientCpuBefore = process.cpuUsage();
  const start = performance.now();
  await run(calls, (done) => {
    if (done % 50 === 0) progress.update(done);
  });
  const seconds = (performance.now() - start) / 1000;
  const client = process.cpuUsage(clientCpuBefore);
  const serverUs = path.serverPids.reduce((sum, pid, i) => sum + cpuUs(pid) - serverCpuBefore[i]!, 0);
  progress.update(calls);
  progress.stop();
  return {
    callsPerSecond: calls / seconds,
    clientCpuUsPerCall: (client.user + client.system) / calls,
    serverCpuUsPerCall: serverUs / calls,
  };
}

/**
 * The concurrent run again over the same sessions, with the minimal node:http client instead of
 * the SDK's (see raw-http-calls.ts): how fast the server answers when the client costs little.
 */
async function measureRawThroughput(
  path: Path,
): Promise<{ callsPerSecondN: number; clientCpuUsPerCall: number; serverCpuUsPerCall: number }> {
  const sessions = path.clients.map((client) => {
    const transport = client.transport as StreamableHTTPClientTransport;
    return {
      url: path.mcpUrl!,
      sessionId: transport.sessionId!,
      protocolVersion: transport.protocolVersion!,
    };
  });
  await rawHttpCalls(sessions, path.tool, TEXT, Math.min(warmup, calls) + concurrency);
  const serverCpuBefore = path.serverPids.map(cpuUs);
  const run = await rawHttpCalls(sessions, path.tool, TEXT, calls);
  const serverUs = path.serverPids.reduce((sum, pid, i) => sum + cpuUs(pid) - serverCpuBefore[i]!, 0);
  log(`${path.name}: minimal client x${concurrency}: ${Math.round(run.callsPerSecond)} calls/s`);
  return {
    callsPerSecondN: run.callsPerSecond,
    clientCpuUsPerCall: run.clientCpuUsPerCall,
    serverCpuUsPerCall: serverUs / calls,
  };
}

/** User + system CPU time of a process so far, in µs (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
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

function printTable(
  rows: PathResult[],
  memory: Memory,
  coldStart: ColdStart,
  goals: { goal: string; value: number; met: boolean }[],
  machine: { cpus: number; loadavgBefore: number[]; loadavgAfter: number[] },
  vsSdkHttp: { baseline: string; p50Ratio: number; callsPerSecondNRatio: number }[],
): void {
  const header = [
    'path',
    'p50 ms',
    'p99 ms',
    'p50 vs direct',
    'calls/s x1',
    `calls/s x${concurrency}`,
    'vs direct',
    'client µs/call',
    'server µs/call',
    `x${concurrency} as`,
  ];
  const body = rows.map((r) => [
    r.path,
    r.p50Ms.toFixed(3),
    r.p99Ms.toFixed(3),
    `${r.p50VsDirect.toFixed(2)}x`,
    r.callsPerSecond1.toFixed(0),
    r.callsPerSecondN.toFixed(0),
    `${r.callsPerSecondNVsDirect.toFixed(2)}x`,
    r.clientCpuUsPerCall.toFixed(0),
    r.serverCpuUsPerCall.toFixed(0),
    r.concurrencyMode,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ');
  const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
  const out = [
    '',
    `bridge benchmark: echo tool, ${calls} calls per measurement after ${warmup} warm-up, ${machine.cpus} CPUs, load average ${machine.loadavgBefore.join('/')} before, ${machine.loadavgAfter.join('/')} after`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    'calls/s x1: sequential calls of the latency run (1000 / mean ms); a stdio server has one client, so its concurrency is calls in flight on that one connection.',
    `client/server µs/call: CPU time per call in the x${concurrency} run, of this process (the SDK clients, i.e. the load generator) and of the serving processes (bridge + upstream); they share ${machine.cpus} cores, so calls/s is bounded by ${machine.cpus} s / (client + server).`,
    '',
    `HTTP with a minimal client (node:http keep-alive, hand-written JSON-RPC; scripts/bench/raw-http-calls.ts), x${concurrency} sessions:`,
    ...rows
      .filter((r) => r.rawClient)
      .map(
        (r) =>
          `  ${r.path.padEnd(16)} ${r.rawClient!.callsPerSecondN.toFixed(0).padStart(6)} calls/s, client ${r.rawClient!.clientCpuUsPerCall.toFixed(0)} µs/call, server ${r.rawClient!.serverCpuUsPerCall.toFixed(0)} µs/call`,
      ),
    ...vsSdkHttp.map(
      (v) =>
        `http bridge vs ${v.baseline} (bare SDK, same tool): p50 ${v.p50Ratio.toFixed(2)}x, calls/s x${concurrency} ${v.callsPerSecondNRatio.toFixed(2)}x`,
    ),
    '',
    `memory (${memory.bridge}, VmRSS): 1 upstream ${mib(memory.bridgeRssKiB[1]!)}, ${upstreams} upstreams ${mib(memory.bridgeRssKiB[upstreams]!)} → ${mib(memory.perUpstreamKiB)} per upstream in the bridge${Math.abs(memory.perUpstreamKiB) < 1024 ? ' (below the RSS noise of a few MiB; try --upstreams 20)' : ''} (+ ${mib(memory.upstreamProcessRssKiB)} for each echo process itself); switchyard start with 1 upstream: ${mib(memory.startRssKiB)}`,
    `cold start of the default fleet (${coldStart.runner}, ${coldStart.home}): median ${coldStart.medianReadyMs} ms to /ready 200 (runs: ${coldStart.runs.map((r) => `${r.readyMs} ms`).join(', ')})`,
    ...goals.map((g) => `goal: ${g.goal}: ${g.value} — ${g.met ? 'met' : 'NOT met'}`),
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
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
