import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  queueEngine,
  queueFromConfig,
  runEventRelayFromConfig,
} from '../../../app/from-config/queue-from-config.js';
import { RunEventBus } from '../../../runtime/actors/run-event-bus.js';
import { type Config, ConfigSchema, type ConfigFile } from '../../../app/config/config-schema.js';
import { readEnvironment } from '../../../app/config/environment.js';
import { ConfigError } from '../../../core/errors.js';
import { silentLogger } from '../../../core/logger.js';
import { BullMqTaskQueue } from '../../../runtime/queue/bullmq-task-queue.js';
import { PgRunEventRelay } from '../../../runtime/queue/pg-run-event-relay.js';
import { RedisRunEventRelay } from '../../../runtime/queue/redis-run-event-relay.js';
import { PgliteSql } from '../../../stores/sql/pglite-sql.js';
import { TEST_DATABASE_URL } from '../../support/postgres.js';
import { openPostgresQueueFixture, postgresAnswers } from '../../support/postgres-queue.js';

const POSTGRES_UP = await postgresAnswers();
if (!POSTGRES_UP)
  console.warn(`queue engine tests on PostgreSQL skipped: no PostgreSQL answers at ${TEST_DATABASE_URL}`);

const configOf = (file: ConfigFile): Config => ({ ...ConfigSchema.parse(file), home: '/nonexistent' });
const REDIS = 'redis://127.0.0.1:6379';

describe('queue.engine', () => {
  it('auto is Redis with redis.url, else inline — never postgres, even with a DATABASE_URL', () => {
    expect(queueEngine(configOf({}))).toBe('inline');
    expect(queueEngine(configOf({ redis: { url: REDIS } }))).toBe('redis');
    expect(queueEngine(configOf({ database: { url: TEST_DATABASE_URL } }))).toBe('inline');
    expect(queueEngine(configOf({ queue: { engine: 'inline' }, redis: { url: REDIS } }))).toBe('inline');
    expect(
      queueEngine(configOf({ queue: { engine: 'postgres' }, database: { url: TEST_DATABASE_URL } })),
    ).toBe('postgres');
  });

  it('is set by SWITCHYARD_QUEUE_ENGINE, and an unknown engine is a config error', () => {
    expect(readEnvironment({ SWITCHYARD_QUEUE_ENGINE: 'postgres' })).toEqual({
      queue: { engine: 'postgres' },
    });
    expect(() => ConfigSchema.parse({ queue: { engine: 'kafka' } })).toThrow(/auto|redis|postgres|inline/);
  });

  it("refuses 'redis' without redis.url", () => {
    expect(() => queueEngine(configOf({ queue: { engine: 'redis' } }))).toThrow(ConfigError);
    expect(() => queueEngine(configOf({ queue: { engine: 'redis' } }))).toThrow(/REDIS_URL/);
  });

  it("refuses 'postgres' on the embedded PGlite database, saying why and what to do", () => {
    const config = configOf({ queue: { engine: 'postgres' } });
    const error = (() => {
      try {
        queueFromConfig(config, { agents: [], logger: silentLogger });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/PGlite/);
    expect((error as ConfigError).message).toMatch(/DATABASE_URL/);
    expect((error as ConfigError).message).toMatch(/stored functions/);
    // The relay is refused the same way (compose-tasks asks for both).
    expect(() => runEventRelayFromConfig(config, { bus: new RunEventBus(), logger: silentLogger })).toThrow(
      ConfigError,
    );
  });

  it("refuses 'postgres' when the SQL store handed over is PGlite", async () => {
    const sql = await PgliteSql.open({});
    try {
      const config = configOf({ queue: { engine: 'postgres' }, database: { url: TEST_DATABASE_URL } });
      expect(() => queueFromConfig(config, { agents: [], logger: silentLogger, sql })).toThrow(/not PGlite/);
    } finally {
      await sql.close();
    }
  });

  it('picks the relay of the engine: Redis pub/sub, PostgreSQL LISTEN/NOTIFY, none inline', () => {
    const bus = new RunEventBus();
    const options = { bus, logger: silentLogger };
    expect(runEventRelayFromConfig(configOf({}), options)).toBeUndefined();
    expect(runEventRelayFromConfig(configOf({ redis: { url: REDIS } }), options)).toBeInstanceOf(
      RedisRunEventRelay,
    );
    expect(
      runEventRelayFromConfig(
        configOf({ queue: { engine: 'postgres' }, database: { url: TEST_DATABASE_URL } }),
        options,
      ),
    ).toBeInstanceOf(PgRunEventRelay);
  });
});

describe.skipIf(!POSTGRES_UP)("queue.engine 'postgres' on the PostgreSQL server", { timeout: 60_000 }, () => {
  let fixture: Awaited<ReturnType<typeof openPostgresQueueFixture>>;
  beforeAll(async () => {
    fixture = await openPostgresQueueFixture('qengine');
  });
  afterAll(async () => {
    await fixture?.drop();
  });

  it('builds BullMQ on PostgreSQL in queue.postgres.schema and runs a task on it', async () => {
    const config = configOf({
      queue: { engine: 'postgres', postgres: { schema: fixture.bullmqSchema(), lockDurationMs: 2_000 } },
      database: { url: TEST_DATABASE_URL, schema: fixture.sql.schema },
    });
    const queue = queueFromConfig(config, { agents: ['noop'], logger: silentLogger, sql: fixture.sql });
    expect(queue).toBeInstanceOf(BullMqTaskQueue);
    expect(queue.kind).toBe('postgres');
    const worker = queue.process(async () => ({ status: 'completed' }));
    try {
      const { runId } = await queue.submit({ agent: 'noop', input: null });
      await expect.poll(async () => (await queue.get(runId))?.state, { timeout: 30_000 }).toBe('completed');
    } finally {
      await worker.close({ drain: false });
      await (queue as BullMqTaskQueue).obliterate();
      await queue.close();
    }
  });
});
