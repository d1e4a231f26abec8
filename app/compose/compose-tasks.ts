import type { RunSupervisor } from '#runtime/actors';
import type { AuditLog } from '../api/audit-log.js';
import type { Config } from '../config/config-schema.js';
import type { Logger } from '#core';
import { createRunTaskHandler, TaskReconciler, type TaskQueue, type TaskWorker } from '#runtime/queue';
import type { Sql } from '#stores/sql';
import { agentsFromConfig } from '../from-config/agents-from-config.js';
import type { ComposedCatalog } from './compose-catalog.js';
import { composeRuntime } from './compose-runtime.js';
import { modelRateLimiterFromConfig } from '../from-config/model-rate-limiter-from-config.js';
import { queueFromConfig, runEventRelayFromConfig } from '../from-config/queue-from-config.js';
import { TaskService, createTaskTools } from '#bridge/tasks';

/** Tasks a bridge with the inline queue runs at once (a Redis queue leaves running to workers). */
const INLINE_CONCURRENCY = 4;

export interface ComposedTasks {
  runs: RunSupervisor;
  queue: TaskQueue;
  tasks: TaskService;
  /** Resumes orphaned runs once the fleet is ready and, with the inline queue, starts running tasks. */
  start(): Promise<void>;
  /** Hands active tasks back, then stops the runs here (they resume on the next start). */
  close(): Promise<void>;
}

/**
 * The bridge's agent work: the run supervisor, the task queue (Redis when configured, else inline)
 * and the TaskService the fronts use. With Redis, the bridge submits and workers run; without, the
 * bridge runs its tasks itself.
 */
export function composeTasks(options: {
  config: Config;
  /** Where the agents' tools are: a bridge, or a worker's fleet and catalog. */
  bridge: Pick<ComposedCatalog, 'catalog' | 'ready'>;
  sql: Sql;
  logger: Logger;
  /** This process is a worker: it runs tasks from the queue (Redis or inline) with these settings. */
  worker?: { concurrency: number; agents?: string[] };
  /** Where agents' tool calls are audited. @defaultValue not audited */
  audit?: AuditLog;
}): ComposedTasks {
  const { config, bridge, sql, logger } = options;
  const agents = agentsFromConfig(config).map((loaded) => loaded.definition);
  const queue = queueFromConfig(config, { agents: agents.map((agent) => agent.name), logger, sql });
  // llm.rateLimits: one budget per provider / model for every process on the same Redis.
  const rateLimits = modelRateLimiterFromConfig(config, logger);
  const runs = composeRuntime({
    config,
    bridge,
    sql,
    agents,
    logger,
    rateLimiter: rateLimits.limiter,
    // Resting runs park and come back through the queue (a wake-up at their time, or at once
    // when their approval is decided), on whichever worker takes it.
    continueRun: (run, at) => queue.resume({ runId: run.id, agent: run.agent }, at ? { at } : {}),
    // A bridge that leaves running to queue workers (Redis or PostgreSQL engine) never takes runs over itself.
    adoptOrphans: queue.kind === 'inline' || options.worker !== undefined,
    ...(options.audit ? { audit: options.audit } : {}),
  });
  const tasks = new TaskService(queue, runs, { logger, enqueueTimeoutMs: config.queue.enqueueTimeoutMs });
  // The queue is rebuilt from the run rows whenever it may have lost jobs (a Redis restart, a
  // crash of the embedded process). Not by an inline queue on a shared PostgreSQL: it would hand
  // other processes' queued runs to a queue that is not theirs, and two queues would dispatch one run.
  const reconcile = queue.kind !== 'inline' || sql.driver === 'pglite';
  const reconciler = new TaskReconciler({
    queue,
    runs,
    logger,
    intervalMs: config.queue.reconcile.intervalMs,
    graceMs: config.queue.reconcile.graceMs,
  });
  // agents__run, tasks__submit, tasks__status, runs__approve, runs__reject on every MCP front.
  const removeTools = bridge.catalog.addLocalTools(createTaskTools(tasks, { redact: config.api.redact }));
  // With Redis or the postgres engine, run events cross processes: a bridge's WebSocket clients
  // follow runs on workers (Redis pub/sub, or PostgreSQL LISTEN/NOTIFY).
  const relay = runEventRelayFromConfig(config, { bus: runs.bus, logger });
  let worker: TaskWorker | undefined;
  let closed = false;
  return {
    runs,
    queue,
    tasks,
    start: async () => {
      await bridge.ready;
      if (closed) return;
      await relay?.start();
      const resumed = await runs.start();
      if (reconcile) reconciler.start();
      const settings =
        options.worker ?? (queue.kind === 'inline' ? { concurrency: INLINE_CONCURRENCY } : undefined);
      if (settings && !closed) {
        worker = queue.process(createRunTaskHandler(runs, logger), {
          concurrency: settings.concurrency,
          ...(settings.agents ? { agents: settings.agents } : {}),
        });
      }
      logger.info(
        { resumed: resumed.length, agents: agents.length, queue: queue.kind },
        'agent runtime started',
      );
    },
    close: async () => {
      closed = true;
      reconciler.close();
      removeTools();
      await worker?.close({ drain: false });
      await queue.close();
      await runs.close();
      await rateLimits.close();
      await relay?.close();
    },
  };
}
