// A worker process for the stalled-job test on BullMQ's PostgreSQL backend: it consumes one agent's
// queue and hangs in every task after printing {"started": runId, "attempt": n} on stdout, until
// killed -9.
//   postgres-queue-worker-child.ts <databaseUrl> <switchyardSchema> <bullmqSchema> <agent>
import { BullMqTaskQueue } from '../../runtime/queue/bullmq-task-queue.js';
import { PgSql } from '../../stores/sql/pg-sql.js';

const [url, sqlSchema, schema, agent] = process.argv.slice(2);
if (!url || !sqlSchema || !schema || !agent) {
  process.stderr.write(
    'usage: postgres-queue-worker-child.ts <databaseUrl> <switchyardSchema> <bullmqSchema> <agent>\n',
  );
  process.exit(2);
}
// The parent migrated the store already. A short lock, so the parent's stalled check sees the lost
// lock within seconds of the kill.
const sql = await new PgSql({ connectionString: url, schema: sqlSchema, maxConnections: 2 }).open();
const queue = new BullMqTaskQueue({
  postgres: { url, schema, sql },
  lockDurationMs: 2_000,
  stalledIntervalMs: 1_000,
});
queue.process(
  async (job) => {
    process.stdout.write(`${JSON.stringify({ started: job.runId, attempt: job.attempt })}\n`);
    return new Promise(() => {}); // until kill -9
  },
  { agents: [agent] },
);
