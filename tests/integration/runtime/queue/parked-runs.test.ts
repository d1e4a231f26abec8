import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromPromise, setup } from 'xstate';
import type { AgentDefinition, RunServices } from '../../../../runtime/actors/agent-definition.js';
import { PARKED_OWNER } from '../../../../runtime/actors/run-store.js';
import { RunSupervisor } from '../../../../runtime/actors/run-supervisor.js';
import { SqlRunStore } from '../../../../runtime/actors/sql-run-store.js';
import { OpenAIChatModel } from '../../../../runtime/llm/openai-chat-model.js';
import { BullMqTaskQueue } from '../../../../runtime/queue/bullmq-task-queue.js';
import { InlineTaskQueue } from '../../../../runtime/queue/inline-task-queue.js';
import { createRunTaskHandler } from '../../../../runtime/queue/run-task-handler.js';
import type { TaskQueue } from '../../../../runtime/queue/task-queue.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { PgSql } from '../../../../stores/sql/pg-sql.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { connectToolServer, gatedAgent, sleeperAgent } from '../../../support/actor-test-kit.js';
import {
  type FakeOpenAI,
  openaiRateLimited,
  openaiText,
  startFakeOpenAI,
} from '../../../support/fake-llm/fake-openai.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../support/postgres.js';
import { REDIS_URL, redisAnswers } from '../../../support/redis.js';

// Durable waits become queue tasks: a run that rests (asleep, waiting for a person, or told by a
// model to come back later) leaves its worker, and a wake-up task brings it back on time or when
// its approval is decided — on whichever worker takes it.

type Kit = Awaited<ReturnType<typeof connectToolServer>>;

/** Asks the model once and ends with its answer. */
const askerAgent: AgentDefinition = {
  name: 'asker',
  description: 'asks the model one question',
  capabilities: [],
  version: '1',
  createMachine: (services: RunServices) =>
    setup({
      types: {} as { context: { answer: string | null } },
      actors: {
        ask: fromPromise(async () =>
          services.chat('ask-1', { messages: [{ role: 'user', content: 'Say hello.' }] }),
        ),
      },
    }).createMachine({
      context: { answer: null },
      initial: 'asking',
      states: {
        asking: {
          invoke: {
            src: 'ask',
            onDone: {
              target: 'done',
              actions: ({ context, event }) => {
                context.answer = event.output.message.content;
              },
            },
            onError: 'failed',
          },
        },
        done: { type: 'final' },
        failed: { type: 'final', tags: ['failed'] },
      },
      output: ({ context }) => ({ answer: context.answer }),
    }),
};

const eventTypes = async (supervisor: RunSupervisor, runId: string) =>
  (await supervisor.listEvents(runId)).map((e) => e.type);

describe('resting runs park and come back through the inline queue', { timeout: 120_000 }, () => {
  let sql: Sql;
  let kit: Kit;
  let openai: FakeOpenAI;
  let queue: InlineTaskQueue;
  let supervisor: RunSupervisor;

  beforeEach(async () => {
    sql = await PgliteSql.open({});
    await migrate(sql, MIGRATIONS);
    kit = await connectToolServer();
    openai = await startFakeOpenAI();
    queue = new InlineTaskQueue();
    const model = new OpenAIChatModel({
      baseURL: openai.baseURL,
      apiKey: 'test',
      model: 'gpt-4o-mini',
      // Any retry-after is longer than the model waits in place: the run must wait instead.
      maxRetryWaitMs: 0,
    });
    supervisor = new RunSupervisor({
      store: new SqlRunStore(sql),
      tools: kit.catalog,
      agents: [
        gatedAgent(),
        { ...gatedAgent(), name: 'gated-briefly', policy: { allowTools: ['*'], approvalTtlMs: 3_000 } },
        sleeperAgent,
        askerAgent,
      ],
      modelFor: () => model,
      exclusive: true,
      continueRun: (run, at) => queue.resume({ runId: run.id, agent: run.agent }, at ? { at } : {}),
    });
    await supervisor.start();
    queue.process(createRunTaskHandler(supervisor), { concurrency: 2 });
  });
  afterEach(async () => {
    await queue.close();
    await supervisor.close();
    await kit.close();
    await openai.close();
    await sql.close();
  });

  const parked = async (runId: string) => {
    await expect
      .poll(async () => (await supervisor.getRun(runId)).owner, { timeout: 60_000 })
      .toBe(PARKED_OWNER);
    expect(supervisor.liveRunCount).toBe(0);
    return supervisor.getRun(runId);
  };

  it('a run waiting for a person leaves the worker, and its decision brings it back', async () => {
    const { runId } = await queue.submit({ agent: 'gated', input: { by: 2 } });
    const waiting = await parked(runId);
    expect(waiting.status).toBe('awaiting_approval');
    expect((await queue.get(runId))?.state).toBe('completed'); // the slot is free

    await supervisor.decideRun(runId, { approved: true, decidedBy: 'frank' });
    const done = await supervisor.waitFor(runId, (s) => s === 'completed', 60_000);
    expect(done.output).toEqual({ looked: 'value of x' });
    expect(kit.log.counterCalls).toBe(1); // the step before the gate was not repeated
    const types = await eventTypes(supervisor, runId);
    expect(types.indexOf('run_resumed')).toBeGreaterThan(types.indexOf('run_parked'));
  });

  it('an approval nobody decides comes back at its expiry, as a delayed task, and expires', async () => {
    const t0 = Date.now();
    const { runId } = await queue.submit({ agent: 'gated-briefly', input: { by: 1 } });
    await parked(runId);
    const done = await supervisor.waitFor(runId, (s) => s === 'failed' || s === 'completed', 60_000);
    expect(done.status).toBe('failed'); // gated ends in `rejected` (tagged failed) when not approved
    const [approval] = await supervisor.listApprovals({ runId });
    expect(approval?.state).toBe('expired');
    expect(done.finishedAt!.getTime() - t0).toBeGreaterThanOrEqual(2_900);
    expect(await eventTypes(supervisor, runId)).toContain('run_resumed');
  });

  it('a durable sleep parks the run and wakes it on time', async () => {
    const at = Date.now() + 3_000;
    const { runId } = await queue.submit({ agent: 'sleeper', input: { at } });
    const asleep = await parked(runId);
    expect(asleep.wakeAt?.getTime()).toBe(at);
    const done = await supervisor.waitFor(runId, (s) => s === 'completed', 60_000);
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(at);
    const types = await eventTypes(supervisor, runId);
    expect(types.filter((t) => t === 'run_parked')).toHaveLength(1);
    expect(types.indexOf('run_resumed')).toBeGreaterThan(types.indexOf('run_parked'));
  });

  it("a model's rate limit longer than the model waits parks the run; it asks again after retry-after", async () => {
    openai.enqueue(openaiRateLimited(3), openaiText('Hello.'));
    const t0 = Date.now();
    const { runId } = await queue.submit({ agent: 'asker', input: null });
    await parked(runId);
    const done = await supervisor.waitFor(runId, (s) => s === 'completed' || s === 'failed', 60_000);
    expect(done.status).toBe('completed');
    expect(done.output).toEqual({ answer: 'Hello.' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_900);
    expect(openai.chatRequests()).toHaveLength(2);
    const events = await supervisor.listEvents(runId);
    expect(events.find((e) => e.type === 'model_rate_limited')?.data).toMatchObject({ retryAfterMs: 3_000 });
    expect(events.filter((e) => e.type === 'model_call')).toHaveLength(1);
    expect(done.usage.modelCalls).toBe(1);
  });
});

const REDIS_UP = await redisAnswers();
if (!REDIS_UP) console.warn(`parked runs over BullMQ skipped: no Redis answers at ${REDIS_URL}`);

describe.skipIf(!REDIS_UP)('resting runs park and come back through BullMQ', { timeout: 120_000 }, () => {
  const schema = uniqueSchema('parked');
  let sql: Sql;
  let kit: Kit;
  let queue: BullMqTaskQueue;
  const supervisors: RunSupervisor[] = [];

  afterAll(async () => {
    await queue?.obliterate().catch(() => {});
    await queue?.close();
    for (const s of supervisors) await s.close();
    await kit?.close();
    await sql?.close();
    await dropSchema(schema);
  });

  const supervisorFor = (owner: string, q: TaskQueue, adoptOrphans: boolean) => {
    const s = new RunSupervisor({
      store: new SqlRunStore(sql),
      tools: kit.catalog,
      agents: [
        gatedAgent(),
        { ...gatedAgent(), name: 'gated-briefly', policy: { allowTools: ['*'], approvalTtlMs: 3_000 } },
      ],
      owner,
      adoptOrphans,
      continueRun: (run, at) => q.resume({ runId: run.id, agent: run.agent }, at ? { at } : {}),
    });
    supervisors.push(s);
    return s;
  };

  it('a decision taken on the bridge, and an expiry, reach a parked run through wake-up jobs', async () => {
    sql = await new PgSql({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 4 }).open();
    await migrate(sql, MIGRATIONS);
    kit = await connectToolServer();
    queue = new BullMqTaskQueue({ connection: REDIS_URL, prefix: `parked-${randomUUID().slice(0, 8)}` });
    const worker = supervisorFor('worker-1', queue, true);
    // The bridge: decides, never runs agent work (no queue worker, no orphan takeover).
    const bridge = supervisorFor('bridge', queue, false);
    await worker.start();
    await bridge.start();
    queue.process(createRunTaskHandler(worker), { concurrency: 2 });

    const decided = await queue.submit({ agent: 'gated', input: { by: 5 } });
    const expiring = await queue.submit({ agent: 'gated-briefly', input: { by: 1 } });
    for (const { runId } of [decided, expiring]) {
      await expect
        .poll(async () => (await bridge.getRun(runId)).owner, { timeout: 60_000 })
        .toBe(PARKED_OWNER);
    }
    expect(worker.liveRunCount).toBe(0);

    await bridge.decideRun(decided.runId, { approved: true, decidedBy: 'grace' });
    const done = await bridge.waitFor(decided.runId, (s) => s === 'completed', 60_000);
    expect(done.output).toEqual({ looked: 'value of x' });
    const expired = await bridge.waitFor(expiring.runId, (s) => s === 'failed' || s === 'completed', 60_000);
    expect((await bridge.listApprovals({ runId: expiring.runId }))[0]?.state).toBe('expired');
    expect(expired.status).toBe('failed');
    // Both came back on the worker, never on the bridge.
    for (const runId of [decided.runId, expiring.runId]) {
      const resumed = (await bridge.listEvents(runId)).filter((e) => e.type === 'run_resumed');
      expect(resumed.map((e) => e.data.owner)).toEqual(['worker-1']);
    }
    expect(bridge.liveRunCount).toBe(0);
    expect(kit.log.counterCalls).toBe(2);
  });
});
