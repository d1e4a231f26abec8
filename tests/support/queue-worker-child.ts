// A worker process for the stalled-job test: it consumes one agent's queue of a BullMqTaskQueue and
// hangs in every task after printing {"started": runId, "attempt": n} on stdout, until killed -9.
//   queue-worker-child.ts <redisUrl> <prefix> <agent>
import { BullMqTaskQueue } from '../../runtime/queue/bullmq-task-queue.js';

const [url, prefix, agent] = process.argv.slice(2);
if (!url || !prefix || !agent) {
  process.stderr.write('usage: queue-worker-child.ts <redisUrl> <prefix> <agent>\n');
  process.exit(2);
}
// A short lock, so the parent's stalled check sees the lost lock within seconds of the kill.
const queue = new BullMqTaskQueue({
  connection: url,
  prefix,
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
