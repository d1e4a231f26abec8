// A worker process for the stalled-job test: it consumes one agent's queue of a BullMqTaskQueue on
// either engine and hangs in every task after printing {"started": runId, "attempt": n} on stdout,
// until killed -9.
//   queue-worker-child.ts redis <redisUrl> <prefix> <agent>
//   queue-worker-child.ts postgres <databaseUrl> <switchyardSchema> <bullmqSchema> <agent>
import { BullMqTaskQueue, type BullMqTaskQueueOptions } from '../../runtime/queue/bullmq-task-queue.js';
import { PgSql } from '../../stores/sql/pg-sql.js';

const USAGE =
  'usage: queue-worker-child.ts redis <redisUrl> <prefix> <agent>\n' +
  '       queue-worker-child.ts postgres <databaseUrl> <switchyardSchema> <bullmqSchema> <agent>\n';

/** Where the queue lives and the agent to consume, from argv; undefined when argv does not fit the usage. */
async function parse(
  argv: string[],
): Promise<{ engine: Partial<BullMqTaskQueueOptions>; agent: string } | undefined> {
  const [engine, ...rest] = argv;
  if (engine === 'redis') {
    const [url, prefix, agent] = rest;
    if (!url || !prefix || !agent) return undefined;
    return { engine: { connection: url, prefix }, agent };
  }
  if (engine === 'postgres') {
    const [url, sqlSchema, schema, agent] = rest;
    if (!url || !sqlSchema || !schema || !agent) return undefined;
    // The parent migrated the store already.
    const sql = await new PgSql({ connectionString: url, schema: sqlSchema, maxConnections: 2 }).open();
    return { engine: { postgres: { url, schema, sql } }, agent };
  }
  return undefined;
}

const parsed = await parse(process.argv.slice(2));
if (!parsed) {
  process.stderr.write(USAGE);
  process.exit(2);
}
// A short lock, so the parent's stalled check sees the lost lock within seconds of the kill.
const queue = new BullMqTaskQueue({
  ...parsed.engine,
  lockDurationMs: 2_000,
  stalledIntervalMs: 1_000,
});
queue.process(
  async (job) => {
    process.stdout.write(`${JSON.stringify({ started: job.runId, attempt: job.attempt })}\n`);
    return new Promise(() => {}); // until kill -9
  },
  { agents: [parsed.agent] },
);
