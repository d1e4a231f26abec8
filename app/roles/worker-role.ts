import { ConfigError } from '#core';
import { AuditLog } from '../api/audit-log.js';
import { composeCatalog } from '../compose/compose-catalog.js';
import { composeTasks } from '../compose/compose-tasks.js';
import { ResourceStack } from '../compose/resource-stack.js';
import type { CommandContext } from '../context.js';
import { agentsFromConfig } from '../from-config/agents-from-config.js';
import { queueEngine } from '../from-config/queue-from-config.js';
import { openSqlFromConfig } from '../from-config/sql-from-config.js';
import type { RunningRole } from './running-role.js';

export interface WorkerSettings {
  /** Tasks run at once. */
  concurrency: number;
  /** Only these agents. @defaultValue every agent */
  agents?: string[];
}

/**
 * The `worker` role: takes agent runs from the shared queue (BullMQ on Redis, or the PostgreSQL
 * engine) and runs them on the shared PostgreSQL store, so any worker can resume any run from its
 * snapshot. It needs the tools, not a front: a fleet and its catalog (composeCatalog), no front
 * hub, no API. close() hands its active tasks back to the queue.
 */
export async function workerRole(
  { config, file, logger }: CommandContext,
  settings: WorkerSettings,
): Promise<RunningRole> {
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
  const known = agentsFromConfig(config).map((loaded) => loaded.definition.name);
  for (const name of settings.agents ?? []) {
    if (!known.includes(name)) throw new ConfigError(`--agents: no agent named '${name}'`);
  }
  const stack = new ResourceStack({ logger });
  try {
    const sql = stack.use('the SQL store', await openSqlFromConfig(config, logger));
    const tools = stack.use('the fleet', await composeCatalog({ config, file, logger, sql }));
    // The agents' tool calls are audited where they are made, with their runs.
    const audit = new AuditLog(sql, { redact: config.api.redact, logger });
    stack.defer('the audit log', () => audit.flush());
    const work = stack.use(
      'the agent runtime',
      composeTasks({ config, bridge: tools, sql, logger, audit, worker: settings }),
    );
    await work.start();
    logger.info(
      { concurrency: settings.concurrency, agents: settings.agents ?? 'all', owner: work.runs.owner },
      'worker started',
    );
    return { close: () => stack.close() };
  } catch (error) {
    await stack.close();
    throw error;
  }
}
