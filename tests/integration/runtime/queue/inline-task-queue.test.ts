import { describe, expect, it } from 'vitest';

import { InlineTaskQueue } from '../../../../runtime/queue/inline-task-queue.js';
import type { TaskJob } from '../../../../runtime/queue/task-queue.js';
import { describeTaskQueueContract } from '../../../support/task-queue-contract.js';

describeTaskQueueContract('inline', async () => {
  const queue = new InlineTaskQueue();
  return { queue, cleanup: () => queue.close() };
});

describe('InlineTaskQueue (in-process specifics)', { timeout: 120_000 }, () => {
  it('hands active tasks back on close() without drain: aborted signal, waiting, attempt not counted', async () => {
    const queue = new InlineTaskQueue();
    try {
      const jobs: TaskJob[] = [];
      const worker = queue.process(async (job) => {
        jobs.push(job);
        await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve()));
        return { status: 'interrupted' };
      });
      const { runId } = await queue.submit({ agent: 'echo', input: null });
      await expect.poll(async () => (await queue.get(runId))?.state).toBe('active');

      await worker.close();
      expect(jobs[0]?.signal.aborted).toBe(true);
      expect(await queue.get(runId)).toMatchObject({ state: 'waiting', attemptsMade: 0 });

      const attempts: number[] = [];
      queue.process(async (job) => {
        attempts.push(job.attempt);
        return { status: 'completed' };
      });
      await expect.poll(async () => (await queue.get(runId))?.state).toBe('completed');
      expect(attempts).toEqual([1]);
    } finally {
      await queue.close();
    }
  });

  it('aborts the signal of an attempt that outlives timeoutMs and counts it as failed', async () => {
    const queue = new InlineTaskQueue();
    try {
      const signals: AbortSignal[] = [];
      queue.process(async (job) => {
        signals.push(job.signal);
        // Never settles on its own: only the timeout ends this attempt.
        await new Promise(() => undefined);
        return { status: 'completed' };
      });
      const { runId } = await queue.submit({ agent: 'slow', input: null, timeoutMs: 1_000, attempts: 1 });
      await expect.poll(async () => (await queue.get(runId))?.state, { timeout: 30_000 }).toBe('failed');
      expect(signals).toHaveLength(1);
      expect(signals[0]?.aborted).toBe(true);
      expect((await queue.get(runId))?.failedReason).toMatch(/timed out after 1000 ms/);
    } finally {
      await queue.close();
    }
  });

  it('refuses work after close()', async () => {
    const queue = new InlineTaskQueue();
    await queue.close();
    await expect(queue.submit({ agent: 'echo', input: null })).rejects.toMatchObject({
      code: 'queue_closed',
    });
  });
});
