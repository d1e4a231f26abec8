import { afterEach, beforeEach, describe, expect, it as vitestIt } from 'vitest';

import { ValidationError } from '../../core/errors.js';
import {
  FinalTaskError,
  type TaskHandler,
  type TaskJob,
  type TaskQueue,
  type TaskState,
  type TaskWorker,
  type TaskWorkerOptions,
} from '../../runtime/queue/task-queue.js';

export interface ContractOptions {
  /**
   * Tests this engine cannot pass, by title, with the reason (a gap of the engine, documented where
   * the engine is). Each is skipped and its reason printed; a title that names no test is an error.
   */
  skip?: Record<string, string>;
}

/**
 * Issue 6's shared contract: the behaviour every {@link TaskQueue} must have, whatever stores it
 * (the inline queue in memory, BullMQ on Redis). `make` returns a fresh, empty queue (its own
 * queue name / prefix on a real server) and a `cleanup` that closes and removes it.
 *
 * Real short delays (at most 1 s) are used where a real delay is the point (backoff, `delayMs`),
 * with lower bounds only, so a loaded machine makes a test slower, never wrong. Everything else
 * waits on state with `expect.poll`. No fake timers: the suite must run against a real Redis.
 */
export function describeTaskQueueContract(
  name: string,
  make: () => Promise<{ queue: TaskQueue; cleanup(): Promise<void> }>,
  options: ContractOptions = {},
): void {
  const skips = new Map(Object.entries(options.skip ?? {}));
  describe(`TaskQueue contract: ${name}`, { timeout: 120_000 }, () => {
    // A test an engine cannot pass is skipped with its reason printed, never silently.
    const it = (title: string, body: () => Promise<void>): void => {
      const reason = skips.get(title);
      skips.delete(title);
      if (reason === undefined) return vitestIt(title, body);
      console.warn(`TaskQueue contract: ${name}: skipped '${title}': ${reason}`);
      vitestIt.skip(title, body);
    };

    let queue: TaskQueue;
    let cleanup: () => Promise<void>;
    let workers: TaskWorker[];

    beforeEach(async () => {
      ({ queue, cleanup } = await make());
      workers = [];
    });

    afterEach(async () => {
      await Promise.all(workers.map((worker) => worker.close({ drain: false })));
      await cleanup();
    });

    function work(handler: TaskHandler, options?: TaskWorkerOptions): TaskWorker {
      const worker = queue.process(handler, options);
      workers.push(worker);
      return worker;
    }

    async function settled(runId: string, state: TaskState = 'completed'): Promise<void> {
      await expect
        .poll(async () => (await queue.get(runId))?.state, { timeout: 60_000, interval: 20 })
        .toBe(state);
    }

    const ok = async (): Promise<{ status: string }> => ({ status: 'completed' });

    it('returns a run id at submit, before any worker exists, and hands it to the handler', async () => {
      const submitted = await queue.submit({ agent: 'echo', input: { text: 'hi' } });
      expect(submitted.created).toBe(true);
      expect(submitted.runId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await queue.get(submitted.runId))?.state).toBe('waiting');

      const jobs: TaskJob[] = [];
      work(async (job) => {
        jobs.push(job);
        return ok();
      });
      await settled(submitted.runId);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({
        runId: submitted.runId,
        attempt: 1,
        spec: { agent: 'echo', input: { text: 'hi' } },
      });
      expect(jobs[0]?.signal.aborted).toBe(false);
      const info = await queue.get(submitted.runId);
      expect(info).toMatchObject({ runId: submitted.runId, agent: 'echo', attemptsMade: 1 });
      expect(await queue.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    });

    it('returns the first run for a second submit with the same idempotency key', async () => {
      const first = await queue.submit({ agent: 'echo', input: 1, idempotencyKey: 'order-42' });
      const second = await queue.submit({ agent: 'echo', input: 2, idempotencyKey: 'order-42' });
      const other = await queue.submit({ agent: 'echo', input: 3, idempotencyKey: 'order-43' });
      expect(second).toEqual({ runId: first.runId, created: false });
      expect(other.runId).not.toBe(first.runId);

      const inputs: unknown[] = [];
      work(async (job) => {
        inputs.push(job.spec.input);
        return ok();
      });
      await settled(first.runId);
      await settled(other.runId);
      expect(inputs.sort()).toEqual([1, 3]);
      // Still deduplicated once the first run completed.
      expect(await queue.submit({ agent: 'echo', input: 4, idempotencyKey: 'order-42' })).toEqual({
        runId: first.runId,
        created: false,
      });
    });

    it('runs higher priority first (1 highest), FIFO among equals, unprioritized last', async () => {
      const order: string[] = [];
      const submit = (label: string, priority?: number) =>
        queue.submit({ agent: 'echo', input: label, ...(priority === undefined ? {} : { priority }) });
      const last = await submit('none-1');
      await submit('p3', 3);
      await submit('p1-a', 1);
      await submit('none-2');
      await submit('p2', 2);
      await submit('p1-b', 1);
      const lastNone = await queue.get(last.runId);
      expect(lastNone?.state).toBe('waiting');

      work(
        async (job) => {
          order.push(String(job.spec.input));
          return ok();
        },
        { concurrency: 1 },
      );
      await expect.poll(() => order.length, { timeout: 60_000 }).toBe(6);
      expect(order).toEqual(['p1-a', 'p1-b', 'p2', 'p3', 'none-1', 'none-2']);
    });

    it('retries a throwing handler after its backoff, then completes', async () => {
      const started: number[] = [];
      const { runId } = await queue.submit({
        agent: 'flaky',
        input: null,
        attempts: 3,
        backoff: { type: 'exponential', delayMs: 150 },
      });
      work(async (job) => {
        started.push(Date.now());
        if (job.attempt < 3) throw new Error(`boom ${job.attempt}`);
        return ok();
      });
      await settled(runId);
      expect(started).toHaveLength(3);
      const [a, b, c] = started as [number, number, number];
      // Exponential: 150 ms, then 300 ms (lower bounds, a few ms of timer slack allowed).
      expect(b - a).toBeGreaterThanOrEqual(140);
      expect(c - b).toBeGreaterThanOrEqual(290);
      expect((await queue.get(runId))?.attemptsMade).toBe(3);
      expect(await queue.listFailed()).toEqual([]);
    });

    it('keeps a task that failed every attempt as a dead letter, and retry() runs it again', async () => {
      let healed = false;
      const attempts: number[] = [];
      const { runId } = await queue.submit({
        agent: 'broken',
        input: null,
        attempts: 2,
        backoff: { type: 'fixed', delayMs: 50 },
      });
      work(async (job) => {
        attempts.push(job.attempt);
        if (!healed) throw new Error('database unreachable');
        return ok();
      });
      await settled(runId, 'failed');
      expect(attempts).toEqual([1, 2]);
      const failed = await queue.listFailed();
      expect(failed.map((task) => task.runId)).toEqual([runId]);
      expect(failed[0]).toMatchObject({ agent: 'broken', state: 'failed', attemptsMade: 2 });
      expect(failed[0]?.failedReason).toContain('database unreachable');
      expect(failed[0]?.finishedAt).toBeInstanceOf(Date);

      healed = true;
      await queue.retry(runId);
      await settled(runId);
      expect(attempts).toEqual([1, 2, 1]);
      expect(await queue.listFailed()).toEqual([]);
    });

    it('fails a task at once, without its other attempts, when the handler says no retry can help', async () => {
      const attempts: number[] = [];
      const { runId } = await queue.submit({
        agent: 'broken',
        input: null,
        attempts: 3,
        backoff: { type: 'fixed', delayMs: 50 },
      });
      work(async (job) => {
        attempts.push(job.attempt);
        throw new FinalTaskError('run_failed', 'the run ended failed');
      });
      await settled(runId, 'failed');
      expect(attempts).toEqual([1]);
      const [failed] = await queue.listFailed();
      expect(failed).toMatchObject({ runId, attemptsMade: 1 });
      expect(failed?.failedReason).toContain('the run ended failed');
    });

    it('lists dead letters newest first, bounded by the limit', async () => {
      work(async () => {
        throw new Error('nope');
      });
      const first = await queue.submit({ agent: 'broken', input: 1, attempts: 1 });
      await settled(first.runId, 'failed');
      const second = await queue.submit({ agent: 'broken', input: 2, attempts: 1 });
      await settled(second.runId, 'failed');
      expect((await queue.listFailed()).map((task) => task.runId)).toEqual([second.runId, first.runId]);
      expect((await queue.listFailed(1)).map((task) => task.runId)).toEqual([second.runId]);
    });

    it('does not start a delayed task before its delay', async () => {
      const startedAt: number[] = [];
      work(async () => {
        startedAt.push(Date.now());
        return ok();
      });
      const submittedAt = Date.now();
      const { runId } = await queue.submit({ agent: 'echo', input: null, delayMs: 600 });
      expect((await queue.get(runId))?.state).toBe('delayed');
      await settled(runId);
      expect(startedAt).toHaveLength(1);
      expect(startedAt[0]! - submittedAt).toBeGreaterThanOrEqual(590);
    });

    it('removes a waiting task so it never runs', async () => {
      const kept = await queue.submit({ agent: 'echo', input: 'kept' });
      const dropped = await queue.submit({ agent: 'echo', input: 'dropped' });
      expect(await queue.remove(dropped.runId)).toBe(true);
      expect(await queue.get(dropped.runId)).toBeUndefined();
      expect(await queue.remove(dropped.runId)).toBe(false);

      const inputs: unknown[] = [];
      work(async (job) => {
        inputs.push(job.spec.input);
        return ok();
      });
      await settled(kept.runId);
      expect(inputs).toEqual(['kept']);
      expect(await queue.remove(kept.runId)).toBe(false);
    });

    it('runs a flow parent after all its children, with their run ids in its input', async () => {
      const events: string[] = [];
      let parentJob: TaskJob | undefined;
      const childStatesAtParent: Array<TaskState | undefined> = [];
      const flow = await queue.submitFlow({ agent: 'planner', input: { goal: 'report' } }, [
        { agent: 'worker', input: 'a' },
        { agent: 'worker', input: 'b' },
      ]);
      const childIds = flow.children.map((child) => child.runId);
      expect(flow.parent.created).toBe(true);
      expect(childIds).toHaveLength(2);

      work(
        async (job) => {
          if (job.spec.agent === 'planner') {
            parentJob = job;
            for (const id of childIds) childStatesAtParent.push((await queue.get(id))?.state);
          } else {
            // A slow child: the parent must not start before it ended.
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          events.push(job.spec.agent);
          return ok();
        },
        { concurrency: 3 },
      );
      await settled(flow.parent.runId);
      expect(events).toEqual(['worker', 'worker', 'planner']);
      expect(childStatesAtParent).toEqual(['completed', 'completed']);
      expect(parentJob?.runId).toBe(flow.parent.runId);
      expect(parentJob?.spec.input).toEqual({ goal: 'report', children: childIds });
    });

    it("fails a flow parent without running it when a child fails for good ('fail-parent')", async () => {
      const ran: string[] = [];
      const flow = await queue.submitFlow({ agent: 'planner', input: {} }, [
        { agent: 'worker', input: 'fine' },
        { agent: 'worker', input: 'bad', attempts: 1 },
      ]);
      work(async (job) => {
        ran.push(job.spec.agent);
        if (job.spec.input === 'bad') throw new Error('child broke');
        return ok();
      });
      await settled(flow.parent.runId, 'failed');
      await settled(flow.children[0]!.runId);
      expect(ran).not.toContain('planner');
      expect(ran).toHaveLength(2);
      expect(await queue.get(flow.children[1]!.runId)).toMatchObject({ state: 'failed' });
    });

    it("runs a flow parent anyway when a child failed under 'continue'", async () => {
      const flow = await queue.submitFlow(
        { agent: 'planner', input: {} },
        [
          { agent: 'worker', input: 'fine' },
          { agent: 'worker', input: 'bad', attempts: 1 },
        ],
        { onChildFailure: 'continue' },
      );
      let parentRan = false;
      work(async (job) => {
        if (job.spec.input === 'bad') throw new Error('child broke');
        if (job.spec.agent === 'planner') parentRan = true;
        return ok();
      });
      await settled(flow.parent.runId);
      expect(parentRan).toBe(true);
      expect((await queue.get(flow.children[1]!.runId))?.state).toBe('failed');
    });

    it("takes only its agents' tasks when given an agents filter", async () => {
      const alpha = await queue.submit({ agent: 'alpha', input: null });
      const beta = await queue.submit({ agent: 'beta', input: null });
      const seen: string[] = [];
      work(
        async (job) => {
          seen.push(job.spec.agent);
          return ok();
        },
        { agents: ['alpha'] },
      );
      await settled(alpha.runId);
      expect((await queue.get(beta.runId))?.state).toBe('waiting');

      work(
        async (job) => {
          seen.push(job.spec.agent);
          return ok();
        },
        { agents: ['beta'] },
      );
      await settled(beta.runId);
      expect(seen).toEqual(['alpha', 'beta']);
    });

    it('lets an active task finish on close({ drain: true }) and takes no new one', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let started = 0;
      const worker = work(async () => {
        started += 1;
        await released;
        return ok();
      });
      const { runId } = await queue.submit({ agent: 'echo', input: null });
      await settled(runId, 'active');

      let closed = false;
      const closing = worker.close({ drain: true }).then(() => (closed = true));
      const later = await queue.submit({ agent: 'echo', input: 'later' });
      // A bounded real wait: nothing can be polled for "has not happened".
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(closed).toBe(false);
      expect((await queue.get(runId))?.state).toBe('active');

      release();
      await closing;
      expect((await queue.get(runId))?.state).toBe('completed');
      expect(started).toBe(1);
      expect((await queue.get(later.runId))?.state).toBe('waiting');
    });

    it('rejects an invalid spec with a ValidationError naming the field', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ agent: 'Not Valid', input: null }, 'agent'],
        [{ agent: 'a'.repeat(65), input: null }, 'agent'],
        [{ agent: 'echo', input: null, priority: 0 }, 'priority'],
        [{ agent: 'echo', input: null, priority: 2_097_153 }, 'priority'],
        [{ agent: 'echo', input: null, attempts: 0 }, 'attempts'],
        [{ agent: 'echo', input: null, attempts: 101 }, 'attempts'],
        [{ agent: 'echo', input: null, timeoutMs: 999 }, 'timeoutMs'],
        [{ agent: 'echo', input: null, delayMs: -1 }, 'delayMs'],
        [{ agent: 'echo', input: null, backoff: { type: 'linear', delayMs: 10 } }, 'backoff.type'],
        [{ agent: 'echo', input: null, idempotencyKey: '' }, 'idempotencyKey'],
        [{ agent: 'echo', input: null, idempotencyKey: 'k'.repeat(201) }, 'idempotencyKey'],
      ];
      for (const [spec, field] of cases) {
        const error = await queue.submit(spec as never).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error, field).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).message, field).toContain(field);
      }
      const flowError = await queue
        .submitFlow({ agent: 'planner', input: {} }, [{ agent: 'worker', input: null, attempts: 0 }])
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
      expect(flowError).toBeInstanceOf(ValidationError);
      expect((flowError as ValidationError).message).toContain('attempts');
      expect(await queue.listFailed()).toEqual([]);
    });

    if (skips.size > 0) {
      throw new Error(`TaskQueue contract: ${name}: no test named ${[...skips.keys()].join(', ')} to skip`);
    }
  });
}
