import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { ProcessGroupTransport } from '../../bridge/fleet/process-group-transport.js';
import { liveGroupMembers, terminateGroup } from '../../bridge/fleet/process-group.js';

/**
 * The processes of bench:bridge: echo upstreams, `switchyard mcp` and `switchyard start`, each
 * the leader of its own process group, in one temporary directory. {@link BenchProcesses.stopAll}
 * ends every one of them, and every upstream a bridge started, whatever happened before.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const KILL_GRACE_MS = 3_000;

/** How to run one of the project's entry points with node. */
export interface NodeEntry {
  command: string;
  args: string[];
  /** True when it runs the compiled dist/ file, false when it runs the source with tsx. */
  compiled: boolean;
}

/** `dist/<path>.js` when it was built (`npm run build`), else `<path>.ts` through tsx. */
export function nodeEntry(sourcePath: string): NodeEntry {
  const compiled = join(ROOT, 'dist', sourcePath.replace(/\.ts$/, '.js'));
  if (existsSync(compiled)) return { command: process.execPath, args: [compiled], compiled: true };
  return {
    command: process.execPath,
    args: ['--import', import.meta.resolve('tsx'), join(ROOT, sourcePath)],
    compiled: false,
  };
}

/** A running `switchyard start`. */
export interface StartedBridge {
  pid: number;
  url: string;
  /** performance.now() when it was spawned. */
  spawnedAt: number;
}

export class BenchProcesses {
  readonly dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  private readonly groups = new Set<number>();
  private readonly transports = new Set<ProcessGroupTransport>();
  private homes = 0;

  /** Writes a config file in the temporary directory; returns its path. */
  writeConfig(name: string, config: unknown): string {
    const path = join(this.dir, `${name}.json`);
    writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
    return path;
  }

  /** A fresh SWITCHYARD_HOME, so no run sees another's database. */
  newHome(): string {
    return join(this.dir, `home-${++this.homes}`);
  }

  /** An SDK client connected over stdio to a new process. */
  async stdioClient(
    entry: NodeEntry,
    env: Record<string, string> = {},
  ): Promise<{ client: Client; pid: number }> {
    const stderr: string[] = [];
    const transport = new ProcessGroupTransport({
      command: entry.command,
      args: entry.args,
      env,
      cwd: this.dir,
      killGraceMs: KILL_GRACE_MS,
      onStderrLine: (line) => keepTail(stderr, line),
    });
    this.transports.add(transport);
    const client = new Client({ name: 'bench-bridge', version: '0.0.1' });
    try {
      await client.connect(transport);
    } catch (error) {
      throw new Error(`${entry.args.join(' ')} did not start: ${String(error)}\n${stderr.join('\n')}`);
    }
    this.track(transport.pid!);
    return { client, pid: transport.pid! };
  }

  /** Spawns `switchyard start` and resolves with its URL once it logs `{"url": …}`. */
  startBridge(cli: NodeEntry, configFile: string, home: string, timeoutMs = 120_000): Promise<StartedBridge> {
    return this.startHttpServer(
      { ...cli, args: [...cli.args, '--config', configFile, 'start'] },
      home,
      timeoutMs,
    );
  }

  /** Spawns an HTTP server entry point and resolves with its URL once it logs `{"url": …}` on stderr. */
  async startHttpServer(entry: NodeEntry, home: string, timeoutMs = 120_000): Promise<StartedBridge> {
    const spawnedAt = performance.now();
    const child = spawn(entry.command, entry.args, {
      cwd: this.dir,
      // The SDK's minimal environment, as for the stdio processes: a SWITCHYARD_API_PORT or
      // DATABASE_URL of the caller's must not change what is measured.
      env: { ...getDefaultEnvironment(), SWITCHYARD_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own group, so the end of the run signals it and nothing else.
      detached: true,
    });
    if (child.pid === undefined) throw new Error(`could not spawn ${entry.command}`);
    this.track(child.pid);
    const url = await waitForUrl(child, timeoutMs);
    return { pid: child.pid, url, spawnedAt };
  }

  /**
   * Spawns a server that announces nothing (a peer relay), in its own process group; the caller
   * polls its port. Its stderr is read and dropped (a full pipe would block it).
   */
  spawnServer(command: string, args: string[]): number {
    const child = spawn(command, args, {
      cwd: this.dir,
      env: { ...getDefaultEnvironment(), HOME: this.dir },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
    this.track(child.pid);
    child.stderr!.resume();
    return child.pid;
  }

  /** Resolves with performance.now() at the first 200 from `<url>/ready`. */
  async waitReady(url: string, timeoutMs = 120_000, headers: Record<string, string> = {}): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    let last = '';
    while (performance.now() < deadline) {
      const response = await fetch(`${url}/ready`, { headers }).catch((error: unknown) => error as Error);
      if (!(response instanceof Error)) {
        if (response.status === 200) return performance.now();
        last = `${response.status} ${await response.text()}`;
      } else last = response.message;
      await sleep(10);
    }
    throw new Error(`${url}/ready did not answer 200 within ${timeoutMs} ms (last: ${last})`);
  }

  /** Ends one process group (a bridge's fleet stops its upstreams on SIGTERM) and what it spawned. */
  async stop(pid: number): Promise<void> {
    const children = childPids(pid);
    await terminateGroup(pid, KILL_GRACE_MS);
    // Upstreams lead groups of their own: ended here too, should the bridge have left any.
    for (const child of children) await terminateGroup(child, KILL_GRACE_MS);
    this.groups.delete(pid);
  }

  /** Ends every process this run started; returns the pids that could not be ended (normally none). */
  async stopAll(): Promise<number[]> {
    await Promise.allSettled([...this.transports].map((transport) => transport.close()));
    await Promise.allSettled([...this.groups].map((pid) => this.stop(pid)));
    const left = [...this.groups].flatMap((pid) => liveGroupMembers(pid));
    rmSync(this.dir, { recursive: true, force: true });
    return left;
  }

  /**
   * Remembers the upstreams a bridge spawned (each leads its own group), so they are ended even
   * if the bridge dies without stopping them. Call it once the bridge is ready.
   */
  noteUpstreams(bridgePid: number): number[] {
    const children = childPids(bridgePid);
    for (const child of children) this.groups.add(child);
    return children;
  }

  private track(pid: number): void {
    this.groups.add(pid);
  }
}

/** Resident set size of a process, in KiB (VmRSS of /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/** Direct children of a process (every thread's). */
export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    // The process is gone: it has no children to list.
    return [];
  }
}

function waitForUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  const tail: string[] = [];
  return new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => fail(`no {"url"} log line within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(
        new Error(`${child.spawnargs.slice(1).join(' ')} (pid ${child.pid}): ${why}\n${tail.join('\n')}`),
      );
    };
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before listening`));
    // Read to the end whatever happens: a full stderr pipe would block the bridge.
    createInterface({ input: child.stderr! }).on('line', (line) => {
      keepTail(tail, line);
      if (!line.includes('"url"')) return;
      try {
        const url = (JSON.parse(line) as { url?: unknown }).url;
        if (typeof url === 'string') {
          clearTimeout(timer);
          resolveUrl(url);
        }
      } catch {
        // A log line that merely mentions "url" in its text: not the one we wait for.
      }
    });
  });
}

function keepTail(lines: string[], line: string): void {
  lines.push(line);
  if (lines.length > 40) lines.shift();
}
