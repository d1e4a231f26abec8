import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { type WorkerSpec, WorkerMessageSchema } from './queue-protocol.js';

/**
 * The worker processes of bench:queue: `count` processes of scripts/bench/queue-worker.ts, run
 * from source through tsx (what is measured is the tree as it is, never a stale dist/). Every one
 * is ended by {@link QueueWorkerPool.stop}, and killed when this process exits however it exits.
 */

const ENTRY = join(import.meta.dirname, 'queue-worker.ts');
const TSX = import.meta.resolve('tsx');
const STOP_GRACE_MS = 5_000;

/** Every worker process not yet seen to exit, across pools. */
const alive = new Set<ChildProcess>();
// Synchronous, so it also runs on process.exit() and after an uncaught error.
process.on('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

interface WorkerProcess {
  child: ChildProcess;
  ready: boolean;
  tookATask: boolean;
  stderrTail: string[];
}

export class QueueWorkerPool {
  readonly #workers: WorkerProcess[] = [];

  /** `nodeArgs`: more arguments for each worker's node (`--cpu-prof`, …). */
  constructor(spec: WorkerSpec, count: number, nodeArgs: readonly string[] = []) {
    for (let i = 0; i < count; i++) {
      const child = spawn(process.execPath, [...nodeArgs, '--import', TSX, ENTRY, JSON.stringify(spec)], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      const worker: WorkerProcess = { child, ready: false, tookATask: false, stderrTail: [] };
      alive.add(child);
      child.once('exit', () => alive.delete(child));
      child.on('message', (raw) => {
        const message = WorkerMessageSchema.parse(raw);
        if (message.type === 'ready') worker.ready = true;
        else worker.tookATask = true;
      });
      // Read to the end whatever happens: a full stderr pipe would block the worker.
      createInterface({ input: child.stderr! }).on('line', (line) => {
        worker.stderrTail.push(line);
        if (worker.stderrTail.length > 30) worker.stderrTail.shift();
      });
      this.#workers.push(worker);
    }
  }

  get pids(): number[] {
    return this.#workers.map((w) => w.child.pid ?? -1);
  }

  /** True once every worker has taken at least one task. */
  get allTookATask(): boolean {
    return this.#workers.every((w) => w.tookATask);
  }

  /** Resolves once every worker's consumer is set up; rejects if one exits or `timeoutMs` passes. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#workers.every((w) => w.ready)) {
      this.assertRunning();
      if (Date.now() > deadline) throw new Error(`worker processes not ready within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** Throws, with its last stderr lines, if a worker process has exited. */
  assertRunning(): void {
    for (const { child, stderrTail } of this.#workers) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `worker process ${child.pid} exited (${child.exitCode ?? child.signalCode}):\n${stderrTail.join('\n')}`,
        );
      }
    }
  }

  /** SIGTERM (each worker closes its consumer), then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#workers.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
