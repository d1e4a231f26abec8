import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TaskService } from '../../../../bridge/tasks/task-service.js';
import type { RunSupervisor } from '../../../../runtime/actors/run-supervisor.js';
import { ConflictError, NotFoundError } from '../../../../core/errors.js';
import { BullMqTaskQueue } from '../../../../runtime/queue/bullmq-task-queue.js';
import { createRunTaskHandler } from '../../../../runtime/queue/run-task-handler.js';
import type { TaskWorker } from '../../../../runtime/queue/task-queue.js';
import { gatedAgent } from '../../../support/actor-test-kit.js';
import { REDIS_URL, redisAnswers } from '../../../support/redis.js';
import { brokenAgent, openRunStack, type RunStack } from '../../../support/run-stack.js';

// TaskService.listFailed and retry over BullMQ on a real Redis (the HTTP tests in
// tests/integration/app/api/dead-letter-routes.test.ts run the inline queue): a run that
// ended failed is refused, a task that failed before its run started runs again, and what is
// not a dead letter says so. Its own Redis prefix, obliterated after.

const REDIS_UP = await redisAnswers();
if (!REDIS_UP)
  console.warn(
    `task-service dead-letter tests skipped: no Redis answers at ${REDIS_URL} (start redis-server)`,
  );

const quick = { attempts: 2, backoff: { type: 'fixed' as const, delayMs: 10 } };

describe.runIf(REDIS_UP)('TaskService dead letters on BullMQ', { timeout: 120_000 }, () => {
  let stack: RunStack;
  let supervisor: RunSupervisor;
  let queue: BullMqTaskQueue;
  let tasks: TaskService;
  let staleWorker: TaskWorker;
  const workers: TaskWorker[] = [];

  beforeAll(async () => {
    stack = await openRunStack([gatedAgent(), brokenAgent()]);
    supervisor = stack.supervisor;
    // A worker of an older deploy: it consumes `gated` without defining it.
    const stale = stack.staleSupervisor();
    queue = new BullMqTaskQueue({
      connection: REDIS_URL,
      prefix: `sy-test-dead-${randomUUID().slice(0, 8)}`,
      lockDurationMs: 2_000,
      stalledIntervalMs: 1_000,
      discoverIntervalMs: 200,
    });
    workers.push(queue.process(createRunTaskHandler(supervisor), { agents: ['broken'] }));
    staleWorker = queue.process(createRunTaskHandler(stale), { agents: ['gated'] });
    tasks = new TaskService(queue, supervisor);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.close({ drain: false });
    await staleWorker?.close();
    await queue?.obliterate();
    await queue?.close();
    await stack?.close();
  });

  const untilFailed = (runId: string) =>
    vi.waitFor(async () => expect((await queue.get(runId))?.state).toBe('failed'), {
      timeout: 30_000,
      interval: 50,
    });

  it('lists both kinds of dead letter and refuses to retry the one whose run ended failed', async () => {
    const failedRun = (await tasks.submit({ agent: 'broken', input: { by: 1 }, ...quick })).runId;
    const notStarted = (await tasks.submit({ agent: 'gated', input: { by: 1 }, ...quick })).runId;
    await untilFailed(failedRun);
    await untilFailed(notStarted);

    const listed = await tasks.listFailed(10);
    const byId = new Map(listed.map((letter) => [letter.task.runId, letter]));
    expect(byId.get(failedRun)?.run?.status).toBe('failed');
    expect(byId.get(failedRun)?.task.failedReason).toMatch(new RegExp(`run '${failedRun}' failed`));
    // Accepted as a run before it was queued: it waits, queued, for a worker that defines `gated`.
    expect(byId.get(notStarted)?.run?.status).toBe('queued');
    expect(byId.get(notStarted)?.task.failedReason).toBe("agent 'gated' does not exist");
    expect(await tasks.listFailed(1)).toHaveLength(1);

    const run = (await supervisor.findRun(failedRun))!;
    const refused = await tasks.retry(failedRun, 'ops').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as Error).message).toContain(`run '${failedRun}' failed (${run.error!.code}: `);
    expect((await queue.get(failedRun))?.state).toBe('failed');

    // A worker that defines `gated` replaces the stale one; the retried task starts its run.
    await staleWorker.close();
    workers.push(queue.process(createRunTaskHandler(supervisor), { agents: ['gated'] }));
    const retried = await tasks.retry(notStarted, 'ops');
    expect(retried.runId).toBe(notStarted);
    expect(retried.task?.state).not.toBe('failed');
    const parked = await tasks.waitForStop(notStarted, 30_000);
    expect(parked.status).toBe('awaiting_approval');
    expect(parked.requestedBy).toBeUndefined();
    await tasks.approve(notStarted, { decidedBy: 'ops' });
    const done = await supervisor.waitFor(notStarted, (status) => status === 'completed', 30_000);
    expect(done.output).toEqual({ looked: 'value of x' });
    expect((await tasks.listFailed(10)).map((letter) => letter.task.runId)).not.toContain(notStarted);
  });

  it('an unknown id is NotFoundError; a task that is not a dead letter ConflictError', async () => {
    await expect(tasks.retry('no-such-run', 'ops')).rejects.toBeInstanceOf(NotFoundError);
    const parked = (await tasks.submit({ agent: 'gated', input: { by: 2 } })).runId;
    expect((await tasks.waitForStop(parked, 30_000)).status).toBe('awaiting_approval');
    await expect(tasks.retry(parked, 'ops')).rejects.toThrow(
      new RegExp(`task '${parked}' is \\w+, not a dead letter`),
    );
    await tasks.reject(parked, { decidedBy: 'ops' });
  });
});
