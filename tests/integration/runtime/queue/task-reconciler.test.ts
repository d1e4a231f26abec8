import { assign, fromPromise, setup } from 'xstate';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TaskService } from '../../../../bridge/tasks/task-service.js';
import type { AgentDefinition, RunServices } from '../../../../runtime/actors/agent-definition.js';
import { RunSupervisor } from '../../../../runtime/actors/run-supervisor.js';
import { PARKED_OWNER } from '../../../../runtime/actors/run-store.js';
import { InlineTaskQueue } from '../../../../runtime/queue/inline-task-queue.js';
import { createRunTaskHandler } from '../../../../runtime/queue/run-task-handler.js';
import { TaskReconciler } from '../../../../runtime/queue/task-reconciler.js';
import type { TaskQueue } from '../../../../runtime/queue/task-queue.js';
import { gatedAgent } from '../../../support/actor-test-kit.js';
import { openRunStack, type RunStack } from '../../../support/run-stack.js';

// Accept = persist, and the queue rebuilt from the database (issue 14). The queue that loses its
// jobs is a real one: an inline queue whose process "died" (closed with its tasks, never run), as
// the embedded default loses them on a crash, and as Redis without persistence loses them on a
// restart. A new queue and the reconciler must run every accepted task, exactly once.

/** `gated` that approves itself: it runs to completion with no person. */
const autoGated = (): AgentDefinition => gatedAgent({ policy: { autoApprove: true } });

/** Fans out to `gated` runs, one per `by`, and completes with its children's ids as it got them. */
const fanAgent = (): AgentDefinition => ({
  name: 'fan',
  description: 'fans out',
  capabilities: [],
  version: '1',
  fanOut: (input) => ({
    children: (input as { bys: number[] }).bys.map((by) => ({ agent: 'gated', input: { by } })),
    onChildFailure: 'continue',
  }),
  createMachine: (services: RunServices) =>
    setup({
      types: {} as { input: { children: string[] }; context: { children: string[] } },
      actors: {
        read: fromPromise(async ({ input }: { input: { children: string[] } }) =>
          services.childRuns('read-1', { ids: input.children }),
        ),
      },
    }).createMachine({
      id: 'fan',
      context: ({ input }) => ({ children: input.children }),
      initial: 'reading',
      states: {
        reading: {
          invoke: {
            src: 'read',
            input: ({ context }) => ({ children: context.children }),
            onDone: { target: 'done', actions: assign({ children: ({ context }) => context.children }) },
          },
        },
        done: { type: 'final' },
      },
      output: ({ context }) => ({ children: context.children }),
    }),
});

describe('the reconciler', { timeout: 60_000 }, () => {
  let stack: RunStack;
  const queues: TaskQueue[] = [];
  const reconcilers: TaskReconciler[] = [];

  beforeEach(async () => {
    stack = await openRunStack([
      { ...autoGated(), policy: { allowTools: ['*'], autoApprove: true } },
      fanAgent(),
    ]);
  });
  afterEach(async () => {
    for (const reconciler of reconcilers.splice(0)) reconciler.close();
    for (const queue of queues.splice(0)) await queue.close().catch(() => undefined);
    await stack.close();
  });

  /** A queue with no worker: what a process accepted before it died. */
  const deadQueue = () => {
    const queue = new InlineTaskQueue();
    queues.push(queue);
    return queue;
  };
  /** A queue with a worker, and its reconciler started. */
  const liveQueue = () => {
    const queue = new InlineTaskQueue();
    queues.push(queue);
    queue.process(createRunTaskHandler(stack.supervisor), { concurrency: 4 });
    const reconciler = new TaskReconciler({ queue, runs: stack.supervisor, intervalMs: 60_000 });
    reconcilers.push(reconciler);
    return { queue, reconciler };
  };
  const status = async (runId: string) => (await stack.supervisor.findRun(runId))?.status;
  const untilCompleted = (runIds: string[]) =>
    vi.waitFor(
      async () => {
        for (const runId of runIds) expect(await status(runId)).toBe('completed');
      },
      { timeout: 30_000, interval: 50 },
    );

  it('has the run row before the submitter hears the id, and runs what a dead queue lost, once each', async () => {
    const before = new TaskService(deadQueue(), stack.supervisor);
    const ids: string[] = [];
    for (let by = 1; by <= 5; by++) {
      const { runId } = await before.submit({ agent: 'gated', input: { by } });
      // Accept = persist: the row is there the moment the id is answered.
      expect(await status(runId)).toBe('queued');
      ids.push(runId);
    }
    await queues[0]!.close(); // the process dies with its queue

    const { reconciler } = liveQueue();
    reconciler.start();
    await untilCompleted(ids);
    for (const runId of ids) {
      const events = await stack.supervisor.listEvents(runId);
      expect(events.filter((event) => event.type === 'run_started')).toHaveLength(1);
    }
    // Each run called its tool once: one counter_add per run, however often it was queued.
    expect(stack.kit.log.counterCalls).toBe(5);
    // A second pass finds nothing left to do.
    expect(await reconciler.reconcile(0)).toEqual({ requeued: 0, woken: 0 });
  });

  it('answers an idempotent resubmit with the first run, even when its queue was lost meanwhile', async () => {
    const before = new TaskService(deadQueue(), stack.supervisor);
    const first = await before.submit({ agent: 'gated', input: { by: 2 }, idempotencyKey: 'order-7' });
    await queues[0]!.close();
    const { queue, reconciler } = liveQueue();
    const after = new TaskService(queue, stack.supervisor);
    const again = await after.submit({ agent: 'gated', input: { by: 2 }, idempotencyKey: 'order-7' });
    expect(again).toEqual({ runId: first.runId, created: false });
    reconciler.start();
    await untilCompleted([first.runId]);
    expect(stack.kit.log.counterCalls).toBe(1);
  });

  it('queues a lost flow again: its children run, then its parent, with their ids in order', async () => {
    const before = new TaskService(deadQueue(), stack.supervisor);
    const submitted = await before.submit({ agent: 'fan', input: { bys: [1, 2, 3] } });
    expect(submitted.children).toHaveLength(3);
    await queues[0]!.close();
    const { reconciler } = liveQueue();
    reconciler.start();
    await untilCompleted([...submitted.children!, submitted.runId]);
    const parent = await stack.supervisor.getRun(submitted.runId);
    expect(parent.output).toEqual({ children: submitted.children });
  });

  it('wakes a parked run whose decision was taken but whose wake-up was lost', async () => {
    // A supervisor that parks resting runs (they come back through the queue), as workers do.
    await stack.supervisor.close();
    const queue = new InlineTaskQueue();
    queues.push(queue);
    const supervisor = new RunSupervisor({
      store: stack.store,
      tools: stack.kit.catalog,
      agents: [gatedAgent()],
      exclusive: true,
      continueRun: (run, at) => queue.resume({ runId: run.id, agent: run.agent }, at ? { at } : {}),
    });
    await supervisor.start();
    queue.process(createRunTaskHandler(supervisor), { concurrency: 2 });
    try {
      const { runId } = await new TaskService(queue, supervisor).submit({ agent: 'gated', input: { by: 1 } });
      await vi.waitFor(async () => expect((await supervisor.findRun(runId))?.owner).toBe(PARKED_OWNER), {
        timeout: 30_000,
        interval: 50,
      });
      // Decided in the database alone, as a process that died right after deciding leaves it:
      // the wake-up it would have queued is lost.
      const [approval] = await supervisor.listApprovals({ runId, state: 'pending' });
      await stack.store.decideApproval(approval!.id, { approved: true, decidedBy: 'ops' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await supervisor.findRun(runId))?.status).toBe('awaiting_approval');

      const reconciler = new TaskReconciler({ queue, runs: supervisor, intervalMs: 60_000, graceMs: 0 });
      reconcilers.push(reconciler);
      expect(await reconciler.reconcile(0)).toEqual({ requeued: 0, woken: 1 });
      await vi.waitFor(async () => expect((await supervisor.findRun(runId))?.status).toBe('completed'), {
        timeout: 30_000,
        interval: 50,
      });
    } finally {
      await queue.close();
      await supervisor.close();
    }
  });
});
