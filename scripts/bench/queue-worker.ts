// A worker process of bench:queue: consumes one scenario's queue with a no-op, as a deployment's
// worker would, until SIGTERM or until its parent goes away. Started by scripts/bench/queue-workers.ts:
//   node --import tsx scripts/bench/queue-worker.ts '<WorkerSpec as JSON>'   (with an IPC channel)
import { type Job, Worker } from 'bullmq';
import { setup } from 'xstate';
import type { AgentDefinition } from '../../runtime/actors/agent-definition.js';
import { RunSupervisor } from '../../runtime/actors/run-supervisor.js';
import { SqlRunStore } from '../../runtime/actors/sql-run-store.js';
import { BullMqTaskQueue } from '../../runtime/queue/bullmq-task-queue.js';
import { createRunTaskHandler } from '../../runtime/queue/run-task-handler.js';
import type { TaskHandler } from '../../runtime/queue/task-queue.js';
import { PgSql } from '../../stores/sql/pg-sql.js';
import {
  NOOP_AGENT,
  RAW_QUEUE,
  type WorkerMessage,
  type WorkerSpec,
  WorkerSpecSchema,
} from './queue-protocol.js';

/** An agent whose run is over as soon as it starts: what is left is the runtime's own cost. */
const noopAgent: AgentDefinition = {
  name: NOOP_AGENT,
  description: 'does nothing',
  capabilities: [],
  version: '1',
  createMachine: () =>
    setup({}).createMachine({ id: 'noop', initial: 'done', states: { done: { type: 'final' } } }),
};

/**
 * What a no-op agent run persists, written by hand the plain way: the run row with its
 * run_started event, then its completion with run_completed — one statement each (prepared, as
 * PgSql runs them), no actor, no batching. The floor under what the runtime adds.
 */
async function writeRunByHand(sql: PgSql, id: string): Promise<unknown> {
  await sql.query(
    `WITH created AS (
       INSERT INTO runs (id, agent, agent_version, status, input, owner, lease_until, deadline_at)
       VALUES ($1, $2, '1', 'running', 'null'::jsonb, 'bench', now() + interval '30 seconds',
         now() + interval '10 minutes')
       RETURNING id)
     INSERT INTO run_events (run_id, seq, type, data) SELECT id, 1, 'run_started', '{}'::jsonb FROM created`,
    [id, NOOP_AGENT],
  );
  const { rowCount } = await sql.query(
    `WITH updated AS (
       UPDATE runs SET status = 'completed', state_value = '"done"'::jsonb, snapshot = $2::jsonb, steps = 1,
         output = 'null'::jsonb, owner = NULL, updated_at = now(), finished_at = now()
       WHERE id = $1 AND owner = 'bench' RETURNING id)
     INSERT INTO run_events (run_id, seq, type, data) SELECT id, 2, 'run_completed', '{"output":null}'::jsonb FROM updated`,
    [id, JSON.stringify({ status: 'done', value: 'done', context: {}, children: {} })],
  );
  if (rowCount !== 1) throw new Error(`run ${id} was not completed`);
  return {};
}

const noTools = { listTools: () => [], callTool: () => Promise.reject(new Error('no tools')) };

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/** The processor as given, telling the parent once when the first task reached it. */
function reportingFirst<A extends unknown[], R>(
  processor: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  let first = true;
  return (...args) => {
    if (first) {
      first = false;
      send({ type: 'first-task' });
    }
    return processor(...args);
  };
}

/** Starts consuming; returns how to stop. */
async function start(spec: WorkerSpec): Promise<() => Promise<void>> {
  const { scenario, redisUrl, prefix, concurrency } = spec;
  if (scenario === 'raw' || scenario === 'raw-pg') {
    let processor = async (_job: Job): Promise<unknown> => ({});
    let closeStore = async () => {};
    if (scenario === 'raw-pg') {
      if (!spec.database) throw new Error('the raw-pg scenario needs database: {url, schema}');
      const sql = await new PgSql({
        connectionString: spec.database.url,
        schema: spec.database.schema,
      }).open();
      processor = (job) => writeRunByHand(sql, job.id!);
      closeStore = () => sql.close();
    }
    const worker = new Worker(RAW_QUEUE, reportingFirst(processor), {
      connection: { url: redisUrl, maxRetriesPerRequest: null },
      prefix,
      concurrency,
    });
    worker.on('error', (error) => process.stderr.write(`raw worker: ${error.message}\n`));
    await worker.waitUntilReady();
    return async () => {
      await worker.close();
      await closeStore();
    };
  }
  const queue = new BullMqTaskQueue({ connection: redisUrl, prefix });
  let handler: TaskHandler = async () => ({ status: 'completed' });
  let closeRuns = async () => {};
  if (scenario === 'agent') {
    if (!spec.database) throw new Error('the agent scenario needs database: {url, schema}');
    // The parent created and migrated the schema; the pool has the deployment's default size.
    const sql = await new PgSql({ connectionString: spec.database.url, schema: spec.database.schema }).open();
    const supervisor = new RunSupervisor({
      store: new SqlRunStore(sql),
      tools: noTools,
      agents: [noopAgent],
    });
    await supervisor.start();
    handler = createRunTaskHandler(supervisor);
    closeRuns = async () => {
      await supervisor.close();
      await sql.close();
    };
  }
  const worker = queue.process(reportingFirst(handler), { concurrency, agents: [NOOP_AGENT] });
  return async () => {
    await worker.close();
    await queue.close();
    await closeRuns();
  };
}

const spec = WorkerSpecSchema.parse(JSON.parse(process.argv[2] ?? 'null'));
const stop = await start(spec);
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`queue worker: stop failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The parent died (its IPC channel closed): no one is left to stop this worker.
process.on('disconnect', shutdown);
send({ type: 'ready' });
