import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { RunSupervisor } from '../../../../runtime/actors/run-supervisor.js';
import { SqlRunStore } from '../../../../runtime/actors/sql-run-store.js';
import { InlineTaskQueue } from '../../../../runtime/queue/inline-task-queue.js';
import { createRunTaskHandler } from '../../../../runtime/queue/run-task-handler.js';
import type { TaskInfo, TaskJob } from '../../../../runtime/queue/task-queue.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { connectToolServer, gatedAgent } from '../../../support/actor-test-kit.js';
import { countingSql } from '../../../support/counting-sql.js';

describe('runs through a task queue', { timeout: 120_000 }, () => {
  let sql: Sql;
  let kit: Awaited<ReturnType<typeof connectToolServer>>;
  let supervisor: RunSupervisor;
  let queue: InlineTaskQueue;

  beforeEach(async () => {
    sql = await PgliteSql.open({});
    await migrate(sql, MIGRATIONS);
    kit = await connectToolServer();
    supervisor = new RunSupervisor({
      store: new SqlRunStore(sql),
      tools: kit.catalog,
      agents: [gatedAgent()],
      exclusive: true,
    });
    await supervisor.start();
    queue = new InlineTaskQueue();
  });
  afterEach(async () => {
    await queue.close();
    await supervisor.close();
    await kit.close();
    await sql.close();
  });

  const settled = async (runId: string): Promise<TaskInfo> => {
    let info: TaskInfo | undefined;
    await expect
      .poll(async () => (info = await queue.get(runId))?.state, { timeout: 60_000 })
      .toMatch(/completed|failed/);
    return info!;
  };

  it('a task runs its agent under the task’s run id, ends when the run parks for approval, and the run completes once approved', async () => {
    queue.process(createRunTaskHandler(supervisor), { concurrency: 2 });
    const { runId } = await queue.submit({ agent: 'gated', input: { by: 3 }, requestedBy: 'erin' });
    expect((await settled(runId)).state).toBe('completed');
    const run = await supervisor.getRun(runId);
    expect(run).toMatchObject({ status: 'awaiting_approval', requestedBy: 'erin' });
    await supervisor.decideRun(runId, { approved: true, decidedBy: 'frank' });
    expect((await supervisor.waitFor(runId, (s) => s === 'completed')).output).toEqual({
      looked: 'value of x',
    });
    expect(kit.log.counterCalls).toBe(1);
  });

  it('a new task whose run ends at once costs two statements: the run with its start, and its last checkpoint', async () => {
    // The handler takes the run's final status from the checkpoint that landed, not from a read.
    const counting = countingSql(sql);
    const lean = new RunSupervisor({
      store: new SqlRunStore(counting.sql),
      tools: kit.catalog,
      agents: [
        {
          name: 'noop',
          description: 'final at once',
          capabilities: [],
          version: '1',
          createMachine: () =>
            setup({}).createMachine({ id: 'noop', initial: 'done', states: { done: { type: 'final' } } }),
        },
      ],
    });
    try {
      const handle = createRunTaskHandler(lean);
      const outcome = await handle({
        runId: 'noop-1',
        spec: { agent: 'noop', input: null, priority: 0, attempts: 1 } as TaskJob['spec'],
        attempt: 1,
        signal: new AbortController().signal,
      });
      expect(outcome).toEqual({ status: 'completed' });
      // Both are the run-writes statement (creations and checkpoints share it): the creation, then
      // the final checkpoint; the events below show which landed.
      expect(counting.statements.map((text) => text.trim().split(/\s+/).slice(0, 4).join(' '))).toEqual([
        'WITH created AS (',
        'WITH created AS (',
      ]);
      const events = await lean.listEvents('noop-1');
      expect(events.map((e) => [e.seq, e.type])).toEqual([
        [1, 'run_started'],
        [2, 'run_completed'],
      ]);
    } finally {
      await lean.close();
    }
  });

  it('an attempt whose run is taken over just as it parks ends at once instead of waiting for the run', async () => {
    // The store lets another owner take the run right before this supervisor parks it: the park
    // fails, the run is no longer live here, and the attempt must end rather than wait (forever).
    class TakenOnPark extends SqlRunStore {
      override async park(id: string, owner: string, until: Date | null): Promise<boolean> {
        await this.claimRun(id, 'another-worker', 60_000, { force: true });
        return super.park(id, owner, until);
      }
    }
    const parking = new RunSupervisor({
      store: new TakenOnPark(sql),
      tools: kit.catalog,
      agents: [gatedAgent()],
      continueRun: async () => {},
    });
    try {
      const outcome = await createRunTaskHandler(parking)({
        runId: 'taken-1',
        spec: { agent: 'gated', input: { by: 1 }, priority: 0, attempts: 1 } as TaskJob['spec'],
        attempt: 1,
        // Without the fix the attempt waits for the run to end elsewhere: this ends that wait.
        signal: AbortSignal.timeout(20_000),
      });
      expect(outcome).toEqual({ status: 'awaiting_approval' });
      expect(parking.isLiveHere('taken-1')).toBe(false);
      expect((await parking.getRun('taken-1')).owner).toBe('another-worker');
    } finally {
      await parking.close();
    }
  });

  it('a second task with the same idempotency key is the same run, run once', async () => {
    queue.process(createRunTaskHandler(supervisor));
    const first = await queue.submit({ agent: 'gated', input: { by: 1 }, idempotencyKey: 'order-17' });
    const second = await queue.submit({ agent: 'gated', input: { by: 1 }, idempotencyKey: 'order-17' });
    expect(second).toEqual({ runId: first.runId, created: false });
    await settled(first.runId);
    expect((await supervisor.listRuns({ agent: 'gated' })).map((r) => r.id)).toEqual([first.runId]);
    expect(kit.log.counterCalls).toBe(1);
  });

  it('a run that fails makes its task a dead letter at once, naming why', async () => {
    const strict = new RunSupervisor({
      store: new SqlRunStore(sql),
      tools: kit.catalog,
      agents: [gatedAgent({ policy: { limits: { maxToolCalls: 0 } } })],
      exclusive: true,
    });
    queue.process(createRunTaskHandler(strict));
    try {
      // Three attempts allowed, one used: a run that ended failed is not retried.
      const { runId } = await queue.submit({ agent: 'gated', input: { by: 1 }, attempts: 3 });
      const info = await settled(runId);
      expect(info.state).toBe('failed');
      expect(info.attemptsMade).toBe(1);
      expect(info.failedReason).toMatch(/exceeded its tool calls limit/);
      expect((await queue.listFailed()).map((t) => t.runId)).toContain(runId);
    } finally {
      await strict.close();
    }
  });
});
