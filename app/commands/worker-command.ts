import type { Command } from 'commander';
import { ConfigError } from '#core';
import { AuditLog } from '../api/audit-log.js';
import { agentsFromConfig } from '../from-config/agents-from-config.js';
import { composeBridge } from '../compose/compose-bridge.js';
import { composeTasks } from '../compose/compose-tasks.js';
import { commandContext } from '../context.js';
import { queueEngine } from '../from-config/queue-from-config.js';
import { openSqlFromConfig } from '../from-config/sql-from-config.js';
import { nextSignal } from './next-signal.js';

interface WorkerOptions {
  concurrency: string;
  agents?: string;
}

/**
 * `switchyard worker [--concurrency N] [--agents a,b]`: takes agent runs from the shared queue (BullMQ on Redis or PostgreSQL) and
 * runs them with its own fleet and catalog, on the shared PostgreSQL store, so any worker can
 * resume any run from its snapshot. SIGTERM / SIGINT hand its active tasks back to the queue.
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
      const { config, file, logger } = commandContext(command);
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new ConfigError(`--concurrency must be a positive integer, got ${options.concurrency}`);
      }
      // Workers share runs: the store must be one every process reaches (not an embedded PGlite).
      if (queueEngine(config) === 'inline') {
        throw new ConfigError(
          "switchyard worker needs a shared queue: set REDIS_URL (redis.url), or queue.engine 'postgres' (SWITCHYARD_QUEUE_ENGINE) with DATABASE_URL",
        );
      }
      if (!config.database.url) {
        throw new ConfigError(
          'switchyard worker needs the shared PostgreSQL store: set DATABASE_URL (database.url)',
        );
      }
      const agents = agentsFromConfig(config).map((loaded) => loaded.definition);
      const only = options.agents
        ?.split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      for (const name of only ?? []) {
        if (!agents.some((agent) => agent.name === name))
          throw new ConfigError(`--agents: no agent named '${name}'`);
      }
      const bridge = await composeBridge({ config, file, logger });
      const ownSql = bridge.sql ? undefined : await openSqlFromConfig(config, logger);
      const sql = bridge.sql ?? ownSql!;
      // The agents' tool calls are audited where they are made, with their runs.
      const audit = new AuditLog(sql, { redact: config.api.redact, logger });
      const work = composeTasks({
        config,
        bridge,
        sql,
        logger,
        audit,
        worker: { concurrency, ...(only ? { agents: only } : {}) },
      });
      try {
        await work.start();
        logger.info({ concurrency, agents: only ?? 'all', owner: work.runs.owner }, 'worker started');
        const signal = await nextSignal();
        logger.info({ signal }, 'worker stopping: handing active tasks back');
      } finally {
        await work.close();
        await audit.flush();
        await bridge.close();
        await ownSql?.close();
      }
    });
}
