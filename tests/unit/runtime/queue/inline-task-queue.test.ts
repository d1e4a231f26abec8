import { afterEach, describe, expect, it } from 'vitest';

import type { Clock, TimerHandle } from '../../../../core/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../../core/errors.js';
import { InlineTaskQueue, type InlineTaskQueueOptions } from '../../../../runtime/queue/inline-task-queue.js';
import type { TaskJob } from '../../../../runtime/queue/task-queue.js';

/** A clock that moves only when told to: timers fire in due order inside `advance`. */
class ManualClock implements Clock {
  private time = 1_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number);
  }

  /** Pending timers' delays from now, ascending. */
  pending(): number[] {
    return [...this.timers.values()].map((timer) => timer.at - this.time).sort((a, b) => a - b);
  }

  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, timer]) => timer.at <= until)
        .sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
      await settle();
    }
    this.time = until;
    await settle();
  }
}

/** Lets the queue's microtasks and handler promises run (no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

const ok = async (): Promise<{ status: string }> => ({ status: 'completed' });

let queues: InlineTaskQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.map((queue) => queue.close()));
  queues = [];
});

function makeQueue(options: InlineTaskQueueOptions = {}): { queue: InlineTaskQueue; clock: ManualClock } {
  const clock = new ManualClock();
  const queue = new InlineTaskQueue({ clock, ...options });
  queues.push(queue);
  return { queue, clock };
}

describe('InlineTaskQueue', () => {
  it('retries with the default policy: 3 attempts, exponential from 1000 ms', async () => {
    const { queue, clock } = makeQueue();
    const attempts: number[] = [];
    queue.process(async (job) => {
      attempts.push(job.attempt);
      throw new Error(`fail ${job.attempt}`);
    });
    const { runId } = await queue.submit({ agent: 'echo', input: null });
    await settle();
    expect(attempts).toEqual([1]);
    expect(clock.pending()).toEqual([1_000]);
    expect((await queue.get(runId))?.state).toBe('delayed');

    await clock.advance(999);
    expect(attempts).toEqual([1]);
    await clock.advance(1);
    expect(attempts).toEqual([1, 2]);
    expect(clock.pending()).toEqual([2_000]);
    await clock.advance(2_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await queue.get(runId)).toMatchObject({
      state: 'failed',
      attemptsMade: 3,
      failedReason: 'fail 3',
    });
    expect(clock.pending()).toEqual([]);
  });

  it('holds a delayed task until the clock reaches its delay', async () => {
    const { queue, clock } = makeQueue();
    const ran: string[] = [];
    queue.process(async (job) => {
      ran.push(job.runId);
      return ok();
    });
    const { runId } = await queue.submit({ agent: 'echo', input: null, delayMs: 5_000 });
    await clock.advance(4_999);
    expect(ran).toEqual([]);
    expect((await queue.get(runId))?.state).toBe('delayed');
    await clock.advance(1);
    expect(ran).toEqual([runId]);
  });

  it('runs at most `concurrency` tasks of a worker at once', async () => {
    const { queue } = makeQueue();
    const release: Array<() => void> = [];
    let active = 0;
    let peak = 0;
    queue.process(
      async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => release.push(resolve));
        active -= 1;
        return ok();
      },
      { concurrency: 2 },
    );
    const runs = await Promise.all([1, 2, 3].map(() => queue.submit({ agent: 'echo', input: null })));
    await settle();
    expect(active).toBe(2);
    expect((await queue.get(runs[2]!.runId))?.state).toBe('waiting');
    release.shift()?.();
    await settle();
    expect((await queue.get(runs[2]!.runId))?.state).toBe('active');
    release.splice(0).forEach((resolve) => resolve());
    await settle();
    expect(peak).toBe(2);
  });

  it('aborts the signal when an attempt outlives timeoutMs, then retries it', async () => {
    const { queue, clock } = makeQueue();
    const jobs: TaskJob[] = [];
    queue.process(async (job) => {
      jobs.push(job);
      if (job.attempt === 1) await new Promise(() => undefined);
      return ok();
    });
    const { runId } = await queue.submit({
      agent: 'echo',
      input: null,
      timeoutMs: 2_000,
      backoff: { type: 'fixed', delayMs: 0 },
    });
    await settle();
    await clock.advance(1_999);
    expect(jobs[0]?.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(jobs[0]?.signal.aborted).toBe(true);
    expect(await queue.get(runId)).toMatchObject({ state: 'completed', attemptsMade: 2 });
    expect(jobs[1]?.signal.aborted).toBe(false);
  });

  it('forgets the oldest completed tasks beyond retainCompleted, with their idempotency keys', async () => {
    const { queue } = makeQueue({ retainCompleted: 1 });
    queue.process(ok);
    const first = await queue.submit({ agent: 'echo', input: 1, idempotencyKey: 'one' });
    await settle();
    const second = await queue.submit({ agent: 'echo', input: 2 });
    await settle();
    expect(await queue.get(first.runId)).toBeUndefined();
    expect((await queue.get(second.runId))?.state).toBe('completed');
    expect((await queue.submit({ agent: 'echo', input: 1, idempotencyKey: 'one' })).created).toBe(true);
  });

  it('returns the earlier flow for a parent idempotency key, and rejects keys on children', async () => {
    const { queue } = makeQueue();
    const first = await queue.submitFlow({ agent: 'planner', input: {}, idempotencyKey: 'flow-1' }, [
      { agent: 'worker', input: 1 },
    ]);
    const again = await queue.submitFlow({ agent: 'planner', input: {}, idempotencyKey: 'flow-1' }, [
      { agent: 'worker', input: 1 },
    ]);
    expect(again).toEqual({
      parent: { runId: first.parent.runId, created: false },
      children: [{ runId: first.children[0]!.runId, created: false }],
    });
    await expect(
      queue.submitFlow({ agent: 'planner', input: {} }, [{ agent: 'worker', input: 1, idempotencyKey: 'c' }]),
    ).rejects.toMatchObject({ details: { field: 'children.0.idempotencyKey' } });
    await expect(queue.submitFlow({ agent: 'planner', input: 'text' }, [])).rejects.toMatchObject({
      details: { field: 'parent.input' },
    });
  });

  it("retrying a parent failed by a child ('fail-parent') retries the child and runs the parent after it", async () => {
    const { queue } = makeQueue();
    let healed = false;
    const ran: string[] = [];
    queue.process(async (job) => {
      ran.push(job.spec.agent);
      if (job.spec.agent === 'worker' && !healed) throw new Error('child broke');
      return ok();
    });
    const flow = await queue.submitFlow({ agent: 'planner', input: {} }, [
      { agent: 'worker', input: 1, attempts: 1 },
    ]);
    await settle();
    expect(await queue.get(flow.parent.runId)).toMatchObject({ state: 'failed' });
    expect((await queue.get(flow.parent.runId))?.failedReason).toContain('child broke');
    expect(ran).toEqual(['worker']);

    healed = true;
    await queue.retry(flow.parent.runId);
    await settle();
    expect(ran).toEqual(['worker', 'worker', 'planner']);
    expect((await queue.get(flow.children[0]!.runId))?.state).toBe('completed');
    expect((await queue.get(flow.parent.runId))?.state).toBe('completed');
  });

  it('lets a flow parent run when its only waiting child is removed', async () => {
    const { queue } = makeQueue();
    const flow = await queue.submitFlow({ agent: 'planner', input: {} }, [{ agent: 'worker', input: 1 }]);
    expect(await queue.remove(flow.children[0]!.runId)).toBe(true);
    const ran: string[] = [];
    queue.process(async (job) => {
      ran.push(job.spec.agent);
      return ok();
    });
    await settle();
    expect(ran).toEqual(['planner']);
  });

  it('refuses to retry an unknown or unfinished task', async () => {
    const { queue } = makeQueue();
    await expect(queue.retry('missing')).rejects.toBeInstanceOf(NotFoundError);
    const { runId } = await queue.submit({ agent: 'echo', input: null });
    await expect(queue.retry(runId)).rejects.toBeInstanceOf(ConflictError);
  });

  it('validates its options', () => {
    expect(() => new InlineTaskQueue({ retainFailed: -1 })).toThrow(ValidationError);
    const { queue } = makeQueue();
    expect(() => queue.process(ok, { concurrency: 0 })).toThrow(/concurrency/);
  });
});
