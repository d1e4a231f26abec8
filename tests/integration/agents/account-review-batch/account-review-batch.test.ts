import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  accountReviewAgent,
  type AccountReviewOutput,
} from '../../../../agents/account-review/account-review-agent.js';
import { accountReviewBatchAgent } from '../../../../agents/account-review-batch/account-review-batch-agent.js';
import type { AccountReviewBatchOutput } from '../../../../agents/account-review-batch/batch-summary.js';
import { createApi } from '../../../../app/api/create-api.js';
import { TaskService } from '../../../../bridge/tasks/task-service.js';
import type { ChildRunSummary } from '../../../../runtime/actors/agent-definition.js';
import { isFinalStatus, type RunRecord } from '../../../../runtime/actors/run-records.js';
import { SqlRunStore } from '../../../../runtime/actors/sql-run-store.js';
import { ValidationError } from '../../../../core/errors.js';
import { BullMqTaskQueue } from '../../../../runtime/queue/bullmq-task-queue.js';
import { InlineTaskQueue } from '../../../../runtime/queue/inline-task-queue.js';
import { createRunTaskHandler } from '../../../../runtime/queue/run-task-handler.js';
import type { TaskQueue } from '../../../../runtime/queue/task-queue.js';
import { seedCrm } from '../../../../mcp-servers/crm/seed/seed-crm.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { type AgentHarness, startAgentHarness } from '../../../support/agent-harness.js';
import { REDIS_URL, redisAnswers } from '../../../support/redis.js';

// account-review-batch through the task queue's flows: a submit fans out into one account-review
// child per account (the inline queue, then BullMQ on a real Redis), the batch waits for them and
// summarizes. The reviews run the real agent on seeded crm data, with approvals granted by
// account-review's policy (autoApprove), as an unattended batch would be configured.

const BATCH = 'account-review-batch';
const REDIS_UP = await redisAnswers();
if (!REDIS_UP) console.warn(`account-review-batch BullMQ test skipped: no Redis answers at ${REDIS_URL}`);

async function batchHarness(
  options: { autoApprove?: boolean; home?: string; seed?: boolean } = {},
): Promise<AgentHarness> {
  const h = await startAgentHarness({
    agents: [accountReviewAgent, accountReviewBatchAgent],
    builtins: ['crm', 'memory'],
    ...(options.home ? { home: options.home } : {}),
    ...(options.autoApprove === false
      ? {}
      : { extra: { agents: { policies: { 'account-review': { autoApprove: true } } } } }),
  });
  if (options.seed !== false) await seedCrm(h.sql, { accounts: 12, seed: 42 });
  return h;
}

async function accountIds(sql: Sql, n: number): Promise<string[]> {
  const { rows } = await sql.query<{ id: string }>('SELECT id FROM crm_accounts ORDER BY id LIMIT $1', [n]);
  return rows.map((row) => row.id);
}

/** The tasks and notes a review wrote to the crm, found by the idempotency keys it derives from its id. */
async function crmRows(sql: Sql, runIds: string[]): Promise<number> {
  let total = 0;
  for (const table of ['crm_tasks', 'crm_notes']) {
    for (const runId of runIds) {
      const { rows } = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE idempotency_key LIKE $1`,
        [`${runId}/execute/%`],
      );
      total += rows[0]!.n;
    }
  }
  return total;
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/**
 * What the summary must say, computed from the child runs in the store (not from the summary),
 * and the child runs themselves.
 */
async function expectSummaryMatchesStore(
  h: AgentHarness,
  batch: RunRecord,
  children: string[],
  ids: string[],
): Promise<{ summary: AccountReviewBatchOutput; runs: RunRecord[] }> {
  const runs = await h.supervisor.listRuns({ parentId: batch.id, limit: 1000 });
  expect(runs.map((run) => run.id).sort()).toEqual([...children].sort());
  for (const run of runs) {
    expect(run.parentId).toBe(batch.id);
    expect(run.agent).toBe('account-review');
  }
  // The queue keeps fanOut's order: child i reviews account i.
  for (const [index, runId] of children.entries()) {
    expect((runs.find((run) => run.id === runId)!.input as { accountId: string }).accountId).toBe(ids[index]);
  }
  const summary = batch.output as AccountReviewBatchOutput;
  const completed = runs.filter((run) => run.status === 'completed');
  const outputs = completed.map((run) => run.output as AccountReviewOutput);
  expect(summary.total).toBe(ids.length);
  expect(summary.complete).toBe(true);
  expect(summary.pending).toEqual([]);
  expect(summary.byStatus).toEqual(countBy(runs, (run) => run.status));
  expect(summary.byOutcome).toEqual(countBy(outputs, (output) => output.outcome));
  const executed = outputs.reduce((sum, output) => sum + output.executed.filter((w) => w.ok).length, 0);
  expect(summary.crmWrites).toBe(executed);
  // Tasks and notes are the review's row-creating writes; status changes update the account.
  const rowWrites = outputs.reduce(
    (sum, output) =>
      sum +
      output.executed.filter((w) => w.ok && (w.action === 'create_task' || w.action === 'add_note')).length,
    0,
  );
  expect(
    await crmRows(
      h.sql,
      completed.map((run) => run.id),
    ),
  ).toBe(rowWrites);
  const failed = runs.filter((run) => run.status === 'failed' || run.status === 'cancelled');
  expect(summary.failed.map((f) => f.runId).sort()).toEqual(failed.map((run) => run.id).sort());
  for (const entry of summary.failed) {
    const run = failed.find((r) => r.id === entry.runId)!;
    expect(entry.code).toBe(run.error!.code);
    expect(entry.accountId).toBe((run.input as { accountId: string }).accountId);
  }
  return { summary, runs };
}

describe('account-review-batch on the inline queue', { timeout: 240_000 }, () => {
  let h: AgentHarness;
  let queue: InlineTaskQueue;
  let tasks: TaskService;

  beforeAll(async () => {
    h = await batchHarness();
    queue = new InlineTaskQueue();
    queue.process(createRunTaskHandler(h.supervisor), { concurrency: 4 });
    tasks = new TaskService(queue, h.supervisor);
  }, 120_000);

  afterAll(async () => {
    await queue?.close();
    await h?.dispose();
  });

  it('reviews five accounts as child runs of the batch and summarizes what they did', async () => {
    const ids = await accountIds(h.sql, 5);
    const submitted = await tasks.submit({ agent: BATCH, input: { accountIds: ids }, priority: 3 }, 'alice');
    expect(submitted.created).toBe(true);
    expect(submitted.children).toHaveLength(5);
    expect(new Set(submitted.children).size).toBe(5);

    const batch = await tasks.waitForStop(submitted.runId, 180_000);
    expect(batch.status).toBe('completed');
    expect(batch.requestedBy).toBe('alice');
    // The queue gave the batch its children's run ids, in order.
    expect((batch.input as { children: string[] }).children).toEqual(submitted.children);

    const { summary, runs } = await expectSummaryMatchesStore(h, batch, submitted.children!, ids);
    expect(summary.byStatus).toEqual({ completed: 5 });
    expect(summary.failed).toEqual([]);
    expect(summary.crmWrites).toBeGreaterThan(0);
    // Children inherit who asked.
    for (const run of runs) expect(run.requestedBy).toBe('alice');

    const events = await h.supervisor.listEvents(batch.id);
    const progress = events.filter((e) => e.type === 'batch_progress').map((e) => e.data);
    expect(progress.at(-1)).toMatchObject({ done: 5, total: 5 });
  });

  it('answers the children on POST /v1/tasks', async () => {
    const api = await createApi({ catalog: h.bridge.catalog, fleet: h.bridge.fleet, sql: h.sql, tasks });
    try {
      const ids = await accountIds(h.sql, 2);
      const response = await api.inject({
        method: 'POST',
        url: '/v1/tasks',
        payload: { agent: BATCH, input: { accountIds: ids } },
      });
      expect(response.statusCode).toBe(202);
      const body = response.json<{ runId: string; children: string[] }>();
      expect(body.children).toHaveLength(2);
      const batch = await tasks.waitForStop(body.runId, 180_000);
      expect(batch.status).toBe('completed');
      expect((batch.input as { children: string[] }).children).toEqual(body.children);

      const bad = await api.inject({
        method: 'POST',
        url: '/v1/tasks',
        payload: { agent: BATCH, input: { accountIds: [] } },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/accountIds/);
    } finally {
      await api.close();
    }
  });

  describe('refuses a bad batch at submit, queueing nothing', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['an empty list', { accountIds: [] }, /accountIds: expected at least 1 account id/],
      ['a bad id', { accountIds: ['acc_1', 'not-an-account'] }, /accountIds\.1: expected a crm account id/],
      [
        'duplicate ids',
        { accountIds: ['acc_1', 'acc_2', 'acc_1'] },
        /accountIds\.2: duplicate of accountIds\.0/,
      ],
      ['too many ids', { accountIds: Array.from({ length: 501 }, (_, i) => `acc_${i}`) }, /at most 500/],
      [
        'children set by the caller',
        { accountIds: ['acc_1'], children: ['x'] },
        /children: set by the queue/,
      ],
    ];
    for (const [what, input, message] of cases) {
      it(what, async () => {
        const submitFlow = vi.spyOn(queue, 'submitFlow');
        const submit = vi.spyOn(queue, 'submit');
        try {
          const error = await tasks.submit({ agent: BATCH, input }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as Error).message).toMatch(message);
          expect(submitFlow).not.toHaveBeenCalled();
          expect(submit).not.toHaveBeenCalled();
        } finally {
          submitFlow.mockRestore();
          submit.mockRestore();
        }
      });
    }
  });
});

describe('account-review-batch with reviews that wait for a person', { timeout: 240_000 }, () => {
  let h: AgentHarness;
  let queue: InlineTaskQueue;
  let tasks: TaskService;

  beforeAll(async () => {
    h = await batchHarness({ autoApprove: false });
    queue = new InlineTaskQueue();
    queue.process(createRunTaskHandler(h.supervisor), { concurrency: 4 });
    tasks = new TaskService(queue, h.supervisor);
  }, 120_000);

  afterAll(async () => {
    await queue?.close();
    await h?.dispose();
  });

  async function progressEvents(runId: string): Promise<Array<Record<string, unknown>>> {
    const events = await h.supervisor.listEvents(runId);
    return events.filter((e) => e.type === 'batch_progress').map((e) => e.data);
  }

  it('starts while its reviews are parked for approval, polls, and summarizes them once decided', async () => {
    const ids = await accountIds(h.sql, 2);
    const submitted = await tasks.submit({ agent: BATCH, input: { accountIds: ids } });
    const [first, second] = submitted.children!;
    // A child's queue job ends when its review parks at the gate: the batch starts then.
    for (const child of [first!, second!])
      await tasks.waitForStop(child, 120_000).then((run) => expect(run.status).toBe('awaiting_approval'));
    await expect
      .poll(async () => (await progressEvents(submitted.runId)).length, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(0);
    expect((await progressEvents(submitted.runId))[0]).toEqual({ done: 0, total: 2, round: 0 });
    expect((await h.supervisor.getRun(submitted.runId)).status).toBe('running');

    await h.supervisor.decideRun(first!, { approved: true, decidedBy: 'carol' });
    await h.supervisor.decideRun(second!, { approved: false, decidedBy: 'carol', reason: 'not now' });
    const batch = await tasks.waitForStop(submitted.runId, 120_000);
    expect(batch.status).toBe('completed');
    const { summary } = await expectSummaryMatchesStore(h, batch, submitted.children!, ids);
    expect(summary.byStatus).toEqual({ completed: 2 });
    expect(summary.byOutcome).toEqual({ applied: 1, rejected: 1 });
    expect(summary.rounds).toBeGreaterThan(1);
    // Each round read once and waited once, under its own journal keys.
    const effects = await new SqlRunStore(h.sql).listEffects(submitted.runId);
    const reads = Array.from({ length: summary.rounds }, (_, round) => `children-${round}`);
    expect(effects.filter((e) => e.kind === 'read').map((e) => e.key)).toEqual(
      expect.arrayContaining([...reads, 'children-final']),
    );
    expect(effects.filter((e) => e.kind === 'read')).toHaveLength(summary.rounds + 1);
    const progress = await progressEvents(submitted.runId);
    expect(progress).toHaveLength(summary.rounds);
    expect(progress.at(-1)).toEqual({ done: 2, total: 2, round: summary.rounds - 1 });
  });

  // Regression: each round used to journal every child (up to 500, a row per round for as long as
  // the batch waited). A round now journals only the reviews that ended since the round before.
  it('journals per round only the reviews that ended since the round before, each child once', async () => {
    const ids = await accountIds(h.sql, 3);
    const submitted = await tasks.submit({ agent: BATCH, input: { accountIds: ids } });
    const children = submitted.children!;
    for (const child of children)
      await tasks.waitForStop(child, 120_000).then((run) => expect(run.status).toBe('awaiting_approval'));
    const store = new SqlRunStore(h.sql);
    const roundReads = async () =>
      (await store.listEffects(submitted.runId)).filter(
        (e) => e.kind === 'read' && e.key !== 'children-final' && e.status === 'completed',
      );

    // Every review parked: the rounds find nothing ended and journal an empty list.
    await expect
      .poll(async () => (await roundReads()).length, { timeout: 60_000, interval: 100 })
      .toBeGreaterThanOrEqual(2);
    for (const read of await roundReads()) expect(read.result).toEqual([]);

    // One review ends; a round sees it; at least one more round follows before the others end.
    await h.supervisor.decideRun(children[0]!, { approved: true, decidedBy: 'erin' });
    await expect
      .poll(async () => (await progressEvents(submitted.runId)).at(-1)?.['done'], {
        timeout: 60_000,
        interval: 100,
      })
      .toBe(1);
    const seen = (await progressEvents(submitted.runId)).length;
    await expect
      .poll(async () => (await progressEvents(submitted.runId)).length, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(seen);
    await h.supervisor.decideRun(children[1]!, { approved: false, decidedBy: 'erin', reason: 'not now' });
    await h.supervisor.decideRun(children[2]!, { approved: true, decidedBy: 'erin' });

    const batch = await tasks.waitForStop(submitted.runId, 120_000);
    expect(batch.status).toBe('completed');
    const { summary } = await expectSummaryMatchesStore(h, batch, children, ids);
    expect(summary.byOutcome).toEqual({ applied: 2, rejected: 1 });

    const effects = await store.listEffects(submitted.runId);
    expect(effects.filter((e) => e.kind === 'read')).toHaveLength(summary.rounds + 1);
    const progress = await progressEvents(submitted.runId);
    expect(progress).toHaveLength(summary.rounds);
    const journaled: string[] = [];
    for (let round = 0; round < summary.rounds; round++) {
      const ended = effects.find((e) => e.key === `children-${round}`)!.result as ChildRunSummary[];
      // What the round journaled is what its progress moved by: the reviews that ended since.
      const before = round === 0 ? 0 : (progress[round - 1]!['done'] as number);
      expect(ended).toHaveLength((progress[round]!['done'] as number) - before);
      for (const run of ended) {
        expect(children).toContain(run.id);
        expect(isFinalStatus(run.status)).toBe(true);
        expect(run).not.toHaveProperty('output');
      }
      journaled.push(...ended.map((run) => run.id));
    }
    // Over all rounds, each child was journaled once: the one that ended first was not read again.
    expect(journaled.sort()).toEqual([...children].sort());
    // The summary's read is still the full one, outputs included.
    const final = effects.find((e) => e.key === 'children-final')!.result as ChildRunSummary[];
    expect(final.map((run) => run.id).sort()).toEqual([...children].sort());
    for (const run of final) expect(run.output).toBeDefined();
  });
});

describe('account-review-batch across a restart', { timeout: 240_000 }, () => {
  const harnesses: AgentHarness[] = [];
  const queues: InlineTaskQueue[] = [];

  afterAll(async () => {
    for (const queue of queues) await queue.close();
    for (const h of harnesses.reverse()) await h.dispose();
  });

  it('resumes its wait from the snapshot after a restart, counts every round once and keeps the recorded reads', async () => {
    const first = await batchHarness({ autoApprove: false });
    harnesses.push(first);
    const queue = new InlineTaskQueue();
    queues.push(queue);
    queue.process(createRunTaskHandler(first.supervisor), { concurrency: 2 });
    const ids = await accountIds(first.sql, 1);
    const submitted = await new TaskService(queue, first.supervisor).submit({
      agent: BATCH,
      input: { accountIds: ids },
    });
    const batchId = submitted.runId;
    const store = new SqlRunStore(first.sql);
    // Two rounds read (the review waits for a person), then the process goes away mid-wait.
    await expect
      .poll(async () => (await store.listEffects(batchId)).filter((e) => e.kind === 'read').length, {
        timeout: 60_000,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(2);
    await queue.close();
    await first.close();

    const second = await batchHarness({ autoApprove: false, home: first.home, seed: false });
    harnesses.push(second);
    const readsBefore = (await new SqlRunStore(second.sql).listEffects(batchId)).filter(
      (e) => e.kind === 'read' && e.status === 'completed',
    );
    expect(readsBefore.length).toBeGreaterThanOrEqual(2);
    await second.supervisor.decideRun(submitted.children![0]!, { approved: true, decidedBy: 'dave' });
    const batch = await second.supervisor.waitFor(
      batchId,
      (s) => s === 'completed' || s === 'failed',
      120_000,
    );
    expect(batch.status).toBe('completed');
    const summary = batch.output as AccountReviewBatchOutput;
    expect(summary.byOutcome).toEqual({ applied: 1 });

    const events = await second.supervisor.listEvents(batchId);
    expect(events.some((e) => e.type === 'run_resumed')).toBe(true);
    // Every round counted once, across the restart: no round repeated, none skipped.
    const rounds = events.filter((e) => e.type === 'batch_progress').map((e) => e.data['round']);
    expect(rounds).toEqual(Array.from({ length: summary.rounds }, (_, round) => round));
    // The reads recorded before the restart kept what they saw: the review was not final then, so
    // those rounds journaled no ended review.
    const readsAfter = await new SqlRunStore(second.sql).listEffects(batchId);
    for (const before of readsBefore) {
      const after = readsAfter.find((e) => e.key === before.key)!;
      expect(after.result).toEqual(before.result);
      expect(after.attempts).toBe(before.attempts);
      expect(after.result).toEqual([]);
    }
    // The round after the restart saw the review end: each round's read holds only what ended.
    const lastRound = readsAfter.find((e) => e.key === `children-${summary.rounds - 1}`)!;
    expect((lastRound.result as ChildRunSummary[]).map((run) => [run.id, run.status])).toEqual([
      [submitted.children![0]!, 'completed'],
    ]);
  });
});

describe.skipIf(!REDIS_UP)('account-review-batch on BullMQ', { timeout: 240_000 }, () => {
  const prefix = `test-batch-${randomUUID().slice(0, 8)}`;
  let h: AgentHarness;
  let queue: BullMqTaskQueue;
  let tasks: TaskService;

  beforeAll(async () => {
    h = await batchHarness();
    queue = new BullMqTaskQueue({ connection: REDIS_URL, prefix });
    queue.process(createRunTaskHandler(h.supervisor), {
      concurrency: 4,
      agents: ['account-review', BATCH],
    });
    tasks = new TaskService(queue satisfies TaskQueue, h.supervisor);
  }, 120_000);

  afterAll(async () => {
    await queue?.obliterate().catch(() => {});
    await queue?.close();
    await h?.dispose();
  });

  it('completes the batch with one account that does not exist listed as failed', async () => {
    const ids = [...(await accountIds(h.sql, 4)), 'acc_does_not_exist_1'];
    const key = `batch-${randomUUID()}`;
    const submitted = await tasks.submit(
      { agent: BATCH, input: { accountIds: ids }, idempotencyKey: key },
      'bob',
    );
    expect(submitted.created).toBe(true);
    expect(submitted.children).toHaveLength(5);

    // A second submit with the key is the same batch, children included (their keys derive from it).
    const again = await tasks.submit(
      { agent: BATCH, input: { accountIds: ids }, idempotencyKey: key },
      'bob',
    );
    expect(again).toEqual({ runId: submitted.runId, created: false, children: submitted.children });

    const batch = await tasks.waitForStop(submitted.runId, 180_000);
    expect(batch.status).toBe('completed');
    const { summary, runs } = await expectSummaryMatchesStore(h, batch, submitted.children!, ids);
    expect(summary.byStatus).toEqual({ completed: 4, failed: 1 });
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0]).toMatchObject({
      accountId: 'acc_does_not_exist_1',
      runId: submitted.children![4],
      status: 'failed',
    });
    expect(summary.failed[0]!.code).not.toBe('');
    for (const run of runs) expect(run.requestedBy).toBe('bob');

    // The queue ran the batch after its children: its job shows it completed, the bad child's failed.
    expect((await queue.get(submitted.runId))?.state).toBe('completed');
    expect((await queue.get(submitted.children![4]!))?.state).toBe('failed');
  });
});
