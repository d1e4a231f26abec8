import { performance } from 'node:perf_hooks';
import { QueueEvents } from 'bullmq';

/**
 * When each job of one BullMQ queue completed, as the submitting process sees it: the moment its
 * 'completed' event arrives here over QueueEvents (the event stream the job's completion appends
 * to). One method for every scenario: all three are BullMQ jobs underneath.
 */
export class Completions {
  /** performance.now() at each job's 'completed' event, by job id (every job, awaited or not). */
  readonly at = new Map<string, number>();
  readonly #events: QueueEvents;
  /** Awaited jobs not completed yet. */
  readonly #awaited = new Set<string>();
  readonly #failed = new Map<string, string>();
  #wake: (() => void) | undefined;
  #onCompleted: (() => void) | undefined;

  constructor(queueName: string, options: { redisUrl: string; prefix: string }) {
    this.#events = new QueueEvents(queueName, {
      connection: { url: options.redisUrl, maxRetriesPerRequest: null },
      prefix: options.prefix,
      // From the start of the stream (a fresh prefix: empty), so no event comes before the first read.
      lastEventId: '0-0',
    });
    this.#events.on('completed', ({ jobId }) => {
      this.at.set(jobId, performance.now());
      if (this.#awaited.delete(jobId)) {
        this.#onCompleted?.();
        this.#wake?.();
      }
    });
    this.#events.on('failed', ({ jobId, failedReason }) => {
      this.#failed.set(jobId, failedReason);
      this.#wake?.();
    });
  }

  async open(): Promise<this> {
    await this.#events.waitUntilReady();
    return this;
  }

  /** Awaits this job's completion in {@link waitAll} (it may have completed already). */
  expect(jobId: string): void {
    if (!this.at.has(jobId)) this.#awaited.add(jobId);
  }

  /**
   * Resolves once every expected job completed. Rejects when one failed, when `check` throws (a
   * worker died), or when none completed for `stallMs`.
   */
  async waitAll(options: { stallMs: number; check: () => void; onCompleted?: () => void }): Promise<void> {
    this.#onCompleted = options.onCompleted;
    try {
      let left = this.#awaited.size;
      let progressAt = performance.now();
      while (this.#awaited.size > 0) {
        for (const [jobId, reason] of this.#failed)
          if (this.#awaited.has(jobId)) throw new Error(`job ${jobId} failed: ${reason}`);
        options.check();
        if (this.#awaited.size < left) {
          left = this.#awaited.size;
          progressAt = performance.now();
        } else if (performance.now() - progressAt > options.stallMs) {
          throw new Error(`no job completed for ${options.stallMs} ms; ${left} still awaited`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 250);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      this.#wake = undefined;
      this.#onCompleted = undefined;
    }
  }

  close(): Promise<void> {
    return this.#events.close();
  }
}
