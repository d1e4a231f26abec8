import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './free-port.js';

/**
 * A real Chroma server for a test file: `chroma run` from the chromadb package (its native
 * server, chromadb-js-bindings-linux-x64-gnu, pinned to 1.0.5 — see ENVIRONMENT.md), on a free
 * port of 127.0.0.1, with its data in a fresh temporary directory.
 */
export interface ChromaServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** What the server printed so far (stdout and stderr; kept here, never echoed to stdout). */
  output(): string;
  /** Stops the server's whole process group and removes its data directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartChromaOptions {
  /** How long to wait for the heartbeat to answer. @defaultValue 60_000 */
  startTimeoutMs?: number;
}

const OUTPUT_LIMIT = 64 * 1024;
const POLL_MS = 100;
const STOP_GRACE_MS = 5_000;

export async function startChromaServer(options: StartChromaOptions = {}): Promise<ChromaServer> {
  const { startTimeoutMs = 60_000 } = options;
  const cli = chromaCli();
  const dataDir = await mkdtemp(join(tmpdir(), 'switchyard-chroma-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // detached: the server gets its own process group, so stop() can signal everything it started.
  const child = spawn(process.execPath, [cli, 'run', '--path', dataDir, '--port', String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
    child.once('error', (error) => resolve(`failed to start: ${error.message}`));
  });
  // Should the test process end without stop(), the server must not outlive it.
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const failure = await waitForHeartbeat(url, exited, startTimeoutMs);
  if (failure !== null) {
    await stop();
    throw new Error(
      `Chroma server did not start on ${url}: ${failure}.\n` +
        `Command: ${process.execPath} ${cli} run --path ${dataDir} --port ${port}\n` +
        `Its output:\n${output || '(none)'}`,
    );
  }
  return { url, port, output: () => output, stop };
}

/** null once the heartbeat answers; otherwise why it never did. */
async function waitForHeartbeat(
  url: string,
  exited: Promise<string>,
  timeoutMs: number,
): Promise<string | null> {
  let exit: string | null = null;
  void exited.then((reason) => {
    exit = reason;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit !== null) return `the process ${exit}`;
    try {
      const response = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return null;
    } catch {
      // Not listening yet: poll again until the deadline.
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return `no heartbeat within ${timeoutMs} ms`;
}

function chromaCli(): string {
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve('chromadb');
  } catch {
    throw new Error('the chromadb package is not installed: run `npm install`');
  }
  // main is <package>/dist/cjs/chromadb.cjs; the CLI is <package>/dist/cli.mjs.
  const cli = join(dirname(main), '..', 'cli.mjs');
  if (!existsSync(cli)) throw new Error(`chromadb's CLI is missing at ${cli}: reinstall chromadb`);
  return cli;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
