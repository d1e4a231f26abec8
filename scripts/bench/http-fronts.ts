import { randomBytes } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchProcesses, childPids, type NodeEntry } from './bridge-processes.js';
import type { LoadResult, LoadRun } from './load-generator.js';
import { log } from './bench-cli.js';

/**
 * The HTTP rows of bench:bridge: the same stdio echo upstream behind Switchyard's `/mcp`
 * (`switchyard start`, an API key configured, audit on), behind the relays a user would pick
 * instead (`mcp-proxy`, `supergateway`, stdio → Streamable HTTP), and the bare SDK server with
 * the tool in-process (scripts/bench/echo-http-server.ts, JSON answers: no relay, the bound).
 * The load comes from autocannon in a process of its own (load-generator.ts); each front's CPU
 * is that of its whole process tree (/proc/<pid>/stat, utime + stime), read around each run.
 * Fronts are measured in alternation, the order rotated every round.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const PROTOCOL_VERSION = '2025-11-25';
// Random per run: the API refuses a key that is easy to guess.
const BENCH_KEY = randomBytes(24).toString('hex');
const TEXT = 'ping';

export type FrontName = 'switchyard' | 'mcp-proxy' | 'supergateway' | 'sdk (no relay)';
export const PEERS: readonly FrontName[] = ['mcp-proxy', 'supergateway'];

export interface Scenario {
  name: string;
  connections: number;
  sessions: number;
}

interface Front {
  name: FrontName;
  url: string;
  tool: string;
  headers: Record<string, string>;
  sessions: string[];
  pid: number;
  /** The front and everything it spawned (upstreams), once its sessions are open. */
  tree: number[];
}

export interface Measurement extends LoadResult {
  front: FrontName;
  scenario: string;
  round: number;
  serverCpuUsPerCall: number;
}

/** Starts the four fronts and opens `sessions` MCP sessions on each. */
export async function startFronts(
  processes: BenchProcesses,
  entries: { cli: NodeEntry; echo: NodeEntry; echoHttp: NodeEntry },
  sessions: number,
): Promise<Front[]> {
  const { cli, echo, echoHttp } = entries;
  const echoCommand = [echo.command, ...echo.args];
  const fronts: Front[] = [];

  const config = processes.writeConfig('http-front', {
    mcpServers: { echo: { command: echo.command, args: echo.args } },
    api: {
      port: 0,
      // Production shape: a key is required, and every call is authenticated and audited.
      keys: [{ name: 'bench', key: BENCH_KEY, scopes: ['call', 'read'] }],
      // The defaults (6,000 /mcp requests a minute) would be the bottleneck, not the front.
      rateLimit: { max: 100_000_000 },
      limits: { mcpRateLimit: { max: 100_000_000 } },
    },
  });
  const bridge = await processes.startBridge(cli, config, processes.newHome());
  await processes.waitReady(bridge.url, 120_000, { authorization: `Bearer ${BENCH_KEY}` });
  processes.noteUpstreams(bridge.pid);
  fronts.push(
    await front('switchyard', `${bridge.url}/mcp`, bridge.pid, 'echo__echo', {
      authorization: `Bearer ${BENCH_KEY}`,
    }),
  );

  const proxyPort = await freePort();
  const proxy = processes.spawnServer(process.execPath, [
    join(ROOT, 'node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs'),
    '--host',
    '127.0.0.1',
    '--port',
    String(proxyPort),
    '--server',
    'stream',
    '--',
    ...echoCommand,
  ]);
  fronts.push(await front('mcp-proxy', `http://127.0.0.1:${proxyPort}/mcp`, proxy, 'echo', {}));

  const gatewayPort = await freePort();
  const gateway = processes.spawnServer(process.execPath, [
    join(ROOT, 'node_modules/supergateway/dist/index.js'),
    '--stdio',
    echoCommand.map(shellQuote).join(' '),
    '--outputTransport',
    'streamableHttp',
    // Sessions, as the other fronts have: a stateless supergateway spawns the server per request.
    '--stateful',
    '--port',
    String(gatewayPort),
    '--logLevel',
    'none',
  ]);
  fronts.push(await front('supergateway', `http://127.0.0.1:${gatewayPort}/mcp`, gateway, 'echo', {}));

  const sdk = await processes.startHttpServer(
    { ...echoHttp, args: [...echoHttp.args, '--json'] },
    processes.newHome(),
  );
  fronts.push(await front('sdk (no relay)', `${sdk.url}/mcp`, sdk.pid, 'echo', {}));
  return fronts;

  async function front(
    name: FrontName,
    url: string,
    pid: number,
    tool: string,
    headers: Record<string, string>,
  ): Promise<Front> {
    const opened: string[] = [];
    let version = PROTOCOL_VERSION;
    for (let i = 0; i < sessions; i++) {
      const session = await openSession(url, headers);
      opened.push(session.id);
      version = session.protocolVersion;
    }
    // supergateway spawns an upstream per session: the tree is complete once they are open.
    const tree = descendants(pid);
    log(`${name}: ${url}, ${sessions} sessions, ${tree.length} processes`);
    return {
      name,
      url,
      tool,
      headers: { ...headers, 'mcp-protocol-version': version },
      sessions: opened,
      pid,
      tree,
    };
  }
}

/**
 * `rounds` rounds; in each, every scenario is measured on every front, the fronts' order rotated
 * by one each round, each run after a warm-up run of its own.
 */
export async function measureFronts(
  fronts: readonly Front[],
  scenarios: readonly Scenario[],
  options: { rounds: number; durationSeconds: number; warmupSeconds: number },
): Promise<Measurement[]> {
  const generator = new LoadGenerator();
  try {
    const measurements: Measurement[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const order = fronts.map((_, i) => fronts[(i + round - 1) % fronts.length]!);
      for (const scenario of scenarios)
        for (const front of order) {
          const run: LoadRun = {
            url: front.url,
            sessions: front.sessions.slice(0, scenario.sessions),
            headers: front.headers,
            connections: scenario.connections,
            durationSeconds: options.warmupSeconds,
            tool: front.tool,
            text: TEXT,
          };
          checked(front, await generator.run(run));
          const cpuBefore = treeCpuUs(front.tree);
          const result = checked(
            front,
            await generator.run({ ...run, durationSeconds: options.durationSeconds }),
          );
          const cpuUs = treeCpuUs(front.tree) - cpuBefore;
          const measurement: Measurement = {
            ...result,
            front: front.name,
            scenario: scenario.name,
            round,
            serverCpuUsPerCall: cpuUs / result.calls,
          };
          log(
            `round ${round} ${scenario.name.padEnd(22)} ${front.name.padEnd(15)} ${Math.round(result.callsPerSecond)} calls/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, server ${Math.round(measurement.serverCpuUsPerCall)} µs/call`,
          );
          measurements.push(measurement);
        }
    }
    return measurements;
  } finally {
    generator.close();
  }
}

/** A wrong or error answer fails the benchmark: its figures would not measure serving the tool. */
function checked(front: Front, result: LoadResult): LoadResult {
  if (result.failures > 0 || result.calls === 0)
    throw new Error(
      `${front.name}: ${result.failures} failed answers of ${result.calls + result.failures}; first: ${result.firstFailure ?? 'no answer at all'}`,
    );
  return result;
}

/** The forked load generator: one run at a time. */
class LoadGenerator {
  private readonly child: ChildProcess;

  constructor() {
    this.child = fork(
      join(import.meta.dirname, `load-generator${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`),
      {
        execArgv: import.meta.url.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
  }

  run(run: LoadRun): Promise<LoadResult> {
    return new Promise((resolveRun, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load generator exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (message: { result?: LoadResult; error?: string }) => {
        this.child.off('exit', onExit);
        if (message.result) resolveRun(message.result);
        else reject(new Error(`load generator: ${message.error}`));
      });
      this.child.send({ run });
    });
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

/** initialize + notifications/initialized over plain HTTP; the session's id and protocol version. */
async function openSession(
  url: string,
  headers: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ id: string; protocolVersion: string }> {
  const base = {
    ...headers,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const deadline = performance.now() + timeoutMs;
  let response: Response | undefined;
  for (;;) {
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: base,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: {
            protocolVersion: PROTOCOL_VERSION,
            capabilities: {},
            clientInfo: { name: 'bench-bridge', version: '0.0.1' },
          },
        }),
      });
      break;
    } catch (error) {
      // The front is still starting (connection refused).
      if (performance.now() > deadline)
        throw new Error(`${url} did not accept connections: ${String(error)}`);
      await sleep(100);
    }
  }
  const body = await response.text();
  const id = response.headers.get('mcp-session-id');
  const version = /"protocolVersion"\s*:\s*"([^"]+)"/.exec(body)?.[1];
  if (response.status !== 200 || !id || !version)
    throw new Error(`initialize at ${url} answered ${response.status}: ${body.slice(0, 300)}`);
  const initialized = await fetch(url, {
    method: 'POST',
    headers: { ...base, 'mcp-session-id': id, 'mcp-protocol-version': version },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await initialized.text();
  if (initialized.status !== 202)
    throw new Error(`notifications/initialized at ${url} answered ${initialized.status}`);
  return { id, protocolVersion: version };
}

/** A process and all its descendants. */
function descendants(pid: number): number[] {
  return [pid, ...childPids(pid).flatMap(descendants)];
}

/** User + system CPU time of processes so far, in µs (/proc/<pid>/stat, clock ticks of 10 ms). */
export function treeCpuUs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * 10_000;
  }
  return total;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
