import type { Command } from 'commander';
import { ConfigError } from '#core';
import { commandContext } from '../context.js';
import { workerRole } from '../roles/worker-role.js';
import { nextSignal } from './next-signal.js';

interface WorkerOptions {
  concurrency: string;
  agents?: string;
}

/**
 * `switchyard worker [--concurrency N] [--agents a,b]`: takes agent runs from the shared queue
 * (BullMQ on Redis or PostgreSQL) and runs them with its own fleet and catalog, on the shared
 * PostgreSQL store (app/roles/worker-role.ts). SIGTERM / SIGINT hand its active tasks back to the queue.
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'run agent tasks from the queue (needs DATABASE_URL, and REDIS_URL or queue.engine postgres)',
    )
    .option('--concurrency <n>', 'tasks run at once', '2')
    .option('--agents <names>', 'only these agents (comma-separated)')
    .action(async (options: WorkerOptions, command: Command) => {
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new ConfigError(`--concurrency must be a positive integer, got ${options.concurrency}`);
      }
      const only = options.agents
        ?.split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      const context = commandContext(command);
      const worker = await workerRole(context, { concurrency, ...(only ? { agents: only } : {}) });
      try {
        const signal = await nextSignal();
        context.logger.info({ signal }, 'worker stopping: handing active tasks back');
      } finally {
        await worker.close();
      }
    });
}
