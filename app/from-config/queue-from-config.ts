import type { RunEventBus } from '#runtime/actors';
import type { Config } from '../config/config-schema.js';
import { ConfigError, type Logger } from '#core';
import {
  BullMqTaskQueue,
  InlineTaskQueue,
  PgRunEventRelay,
  RedisRunEventRelay,
  type RunEventRelay,
  type TaskQueue,
} from '#runtime/queue';
import type { Sql } from '#stores/sql';

export type ResolvedQueueEngine = 'redis' | 'postgres' | 'inline';

/**
 * The engine `queue.engine` (SWITCHYARD_QUEUE_ENGINE) names: `auto` is Redis with `redis.url`,
 * else inline — never postgres, since a DATABASE_URL alone does not mean workers run (with the
 * postgres engine a bridge leaves tasks to workers). Throws a ConfigError when the engine's
 * server is not configured, or for postgres on embedded PGlite.
 */
export function queueEngine(config: Config): ResolvedQueueEngine {
  const { engine } = config.queue;
  if (engine === 'auto') return config.redis.url ? 'redis' : 'inline';
  if (engine === 'redis' && !config.redis.url) {
    throw new ConfigError("queue.engine is 'redis' but redis.url (REDIS_URL) is not set", {
      field: 'queue.engine',
    });
  }
  if (engine === 'postgres' && !config.database.url) {
    throw new ConfigError(
      "queue.engine 'postgres' needs a PostgreSQL server (database.url / DATABASE_URL), and the database " +
        "is the embedded PGlite: BullMQ's PostgreSQL backend does not run on PGlite (its stored functions " +
        'fail to resolve there, bullmq 6.7.0), and PGlite does not notify other processes. Set ' +
        "DATABASE_URL, or use queue.engine 'redis' (REDIS_URL) or 'inline'.",
      { field: 'queue.engine', engine },
    );
  }
  return engine;
}

/**
 * The task queue `queue.engine` picks: BullMQ on `redis.url`, BullMQ's PostgreSQL backend on
 * `database.url` (its jobs in the schema `queue.postgres.schema`; idempotency claims and the agent
 * registry in the tables of `sql`, which must be that database's store), or the in-process inline
 * queue. `agents.rateLimits` become BullMQ's per-agent limiters; the inline queue has none, so they
 * are ignored there, with a warning.
 */
export function queueFromConfig(
  config: Config,
  options: { agents: string[]; logger: Logger; sql?: Sql },
): TaskQueue {
  const limits = config.agents.rateLimits;
  const engine = queueEngine(config);
  if (engine === 'redis') {
    const { url, prefix, lockDurationMs } = config.redis;
    return new BullMqTaskQueue({
      connection: url!,
      prefix,
      agents: options.agents,
      logger: options.logger,
      limits,
      lockDurationMs,
      // Look for the tasks of dead workers as often as their holds run out.
      stalledIntervalMs: lockDurationMs,
    });
  }
  if (engine === 'postgres') {
    const { sql } = options;
    if (!sql || sql.driver !== 'pg') {
      throw new ConfigError(
        "queue.engine 'postgres' keeps its idempotency keys and agent registry in the SQL store on database.url; open that store (not PGlite) and pass it",
        { field: 'queue.engine' },
      );
    }
    const { schema, lockDurationMs, poolSize } = config.queue.postgres;
    return new BullMqTaskQueue({
      postgres: { url: config.database.url!, schema, sql, poolSize },
      agents: options.agents,
      logger: options.logger,
      limits,
      lockDurationMs,
      stalledIntervalMs: lockDurationMs,
    });
  }
  const limited = Object.keys(limits);
  if (limited.length > 0) {
    options.logger.warn(
      { agents: limited },
      'agents.rateLimits apply with Redis only (redis.url / REDIS_URL) or the postgres queue engine; the inline queue runs these agents unlimited',
    );
  }
  return new InlineTaskQueue({ logger: options.logger });
}

/**
 * The relay of the queue's engine, so a bridge's WebSocket clients follow runs on workers: Redis
 * pub/sub for redis, LISTEN/NOTIFY on `database.url` for postgres (channel
 * `<queue.postgres.schema>_run_events`), none for inline (runs and clients share a process).
 */
export function runEventRelayFromConfig(
  config: Config,
  options: { bus: RunEventBus; logger: Logger },
): RunEventRelay | undefined {
  const engine = queueEngine(config);
  if (engine === 'redis') {
    return new RedisRunEventRelay({
      connection: config.redis.url!,
      prefix: config.redis.prefix,
      bus: options.bus,
      logger: options.logger,
    });
  }
  if (engine === 'postgres') {
    return new PgRunEventRelay({
      connection: config.database.url!,
      channel: `${config.queue.postgres.schema}_run_events`,
      bus: options.bus,
      logger: options.logger,
    });
  }
  return undefined;
}
