import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { SWITCHYARD_CLI } from './mcp-server-process.js';

const TSX = import.meta.resolve('tsx');

/** A `switchyard start` child process from source, as a user runs it, and where it listens. */
export interface SwitchyardProcess {
  url: string;
  child: ChildProcess;
  /** What it logged so far (stderr: JSON lines). */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts `switchyard start` in `dir` (its config file there, HOME and SWITCHYARD_HOME under it) and
 * resolves once it printed its url and `/ready` answers 200 with `key` (every upstream up).
 */
export async function startSwitchyard(
  dir: string,
  key: string,
  timeoutMs = 90_000,
): Promise<SwitchyardProcess> {
  const child = spawn(process.execPath, ['--import', TSX, SWITCHYARD_CLI, 'start'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      SWITCHYARD_HOME: `${dir}/home`,
      SWITCHYARD_VECTOR_BACKEND: 'memory',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout?.resume();
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const exited = once(child, 'exit');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  let url = '';
  while (!url && Date.now() < deadline && child.exitCode === null) {
    url = /"url":"(http:[^"]+)"/.exec(stderr)?.[1] ?? '';
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!url) {
    await stop();
    throw new Error(`switchyard start printed no url:\n${stderr}`);
  }
  while ((await fetch(`${url}/ready`, { headers: { authorization: `Bearer ${key}` } })).status !== 200) {
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`switchyard start was not ready in ${timeoutMs} ms:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, child, stderr: () => stderr, stop };
}
