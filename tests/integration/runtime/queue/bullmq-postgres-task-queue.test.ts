import { afterAll, beforeAll, describe } from 'vitest';

import { BullMqTaskQueue } from '../../../../runtime/queue/bullmq-task-queue.js';
import { TEST_DATABASE_URL } from '../../../support/postgres.js';
import { openPostgresQueueFixture, postgresAnswers } from '../../../support/postgres-queue.js';
import { describeTaskQueueContract } from '../../../support/task-queue-contract.js';

const POSTGRES_UP = await postgresAnswers();
if (!POSTGRES_UP) {
  console.warn(
    `BullMQ-on-PostgreSQL tests skipped: no PostgreSQL answers at ${TEST_DATABASE_URL} (start it or set TEST_DATABASE_URL)`,
  );
}

let fixture: Awaited<ReturnType<typeof openPostgresQueueFixture>>;
beforeAll(async () => {
  if (POSTGRES_UP) fixture = await openPostgresQueueFixture('qpg');
});
afterAll(async () => {
  await fixture?.drop();
});

describe.skipIf(!POSTGRES_UP)('BullMqTaskQueue contract on PostgreSQL', () => {
  describeTaskQueueContract('BullMqTaskQueue (postgres)', async () => {
    const queue = new BullMqTaskQueue({
      postgres: { url: TEST_DATABASE_URL, schema: fixture.bullmqSchema(), sql: fixture.sql },
      lockDurationMs: 2_000,
      stalledIntervalMs: 1_000,
      discoverIntervalMs: 200,
    });
    return {
      queue,
      cleanup: async () => {
        await queue.obliterate();
        await queue.close();
      },
    };
  });
});
