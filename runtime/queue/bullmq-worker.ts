import { DelayedError, UnrecoverableError, WaitingError } from 'bullmq';

import { SwitchyardError, ValidationError, type Logger } from '#core';
import { rateLimitRetryAfterMs } from '../llm/model-errors.js';
import { openAgentWorker, type AgentWorker, type BullMqBackend } from './bullmq-backend.js';
import { agentQueueName, readJobData, type TaskBullJob, type TaskJobResult } from './bullmq-jobs.js';
import { isFinalTaskError, type TaskHandler, type TaskWorker, type TaskWorkerOptions } from './task-queue.js';

/** One attempt ran past its spec's `timeoutMs`: the attempt fails (and is retried if attempts remain). */
export class TaskTimeoutError extends SwitchyardError {
  constructor(runId: string, timeoutMs: number) {
    super('task_timeout', `task ${runId}: attempt timed out after ${timeoutMs} ms`, {
      details: { runId, timeoutMs },
    });
  }
}

/** Why a handler's signal was aborted by `close({ drain: false })`. */
export class WorkerClosingError extends SwitchyardError {
  constructor() {
    super('worker_closing', 'the worker is closing: the task is handed back to the queue');
  }
}

export interface AgentRateLimit {
  /** Tasks started per window, across every worker of the agent. */
  max: number;
  durationMs: number;
}

export interface BullMqWorkerSettings {
  /** Redis (with its prefix) or BullMQ's PostgreSQL backend. */
  backend: BullMqBackend;
  logger: Logger;
  limits: Readonly<Record<string, AgentRateLimit>>;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  /** The agents to consume when `process()` names none, read again every `discoverIntervalMs`. */
  listAgents: () => Promise<string[]>;
  discoverIntervalMs: number;
}

interface ActiveTask {
  job: TaskBullJob;
  token: string;
  controller: AbortController;
}

/**
 * The {@link TaskWorker} of {@link BullMqTaskQueue}: one BullMQ `Worker` per agent queue it consumes.
 * With `agents` it consumes exactly those; without, it consumes every agent the queue has seen a
 * submit for (the registry set in Redis), looking for new ones every `discoverIntervalMs`.
 */
export class BullMqTaskWorker implements TaskWorker {
  readonly #handler: TaskHandler;
  readonly #settings: BullMqWorkerSettings;
  readonly #concurrency: number;
  readonly #workers = new Map<string, AgentWorker>();
  readonly #active = new Map<string, ActiveTask>();
  /** Runs handed back by `close({ drain: false })`: their handler's late result is dropped. */
  readonly #handedBack = new Set<string>();
  #discovery: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(handler: TaskHandler, options: TaskWorkerOptions, settings: BullMqWorkerSettings) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new ValidationError(`concurrency must be a positive integer, got ${concurrency}`, {
        field: 'concurrency',
      });
    }
    this.#handler = handler;
    this.#settings = settings;
    this.#concurrency = concurrency;
    if (options.agents) {
      for (const agent of options.agents) this.#consume(agent);
    } else {
      const discover = () => {
        settings
          .listAgents()
          .then((agents) => {
            for (const agent of agents) this.#consume(agent);
          })
          .catch((error: unknown) =>
            settings.logger.error({ err: error }, 'task worker: agent discovery failed'),
          );
      };
      discover();
      this.#discovery = setInterval(discover, settings.discoverIntervalMs);
      this.#discovery.unref();
    }
  }

  /** The agents this worker consumes so far. */
  get agents(): string[] {
    return [...this.#workers.keys()];
  }

  #consume(agent: string): void {
    if (this.#closing || this.#workers.has(agent)) return;
    const { backend, limits, logger } = this.#settings;
    const limit = limits[agent];
    const worker = openAgentWorker(
      backend,
      agentQueueName(agent),
      // Three parameters: BullMQ hands a signal only to processors that declare one.
      (job, token, signal) => this.#run(job, token, signal),
      {
        concurrency: this.#concurrency,
        lockDuration: this.#settings.lockDurationMs,
        stalledInterval: this.#settings.stalledIntervalMs,
        maxStalledCount: this.#settings.maxStalledCount,
        ...(limit ? { limiter: { max: limit.max, duration: limit.durationMs } } : {}),
      },
    );
    worker.on('error', (error) => logger.error({ err: error, agent }, 'task worker error'));
    worker.on('stalled', (runId) => logger.warn({ runId, agent }, 'task stalled: handed to a worker again'));
    this.#workers.set(agent, worker);
  }

  async #run(job: TaskBullJob, token: string | undefined, bullSignal?: AbortSignal): Promise<TaskJobResult> {
    const jobId = job.id ?? '';
    let data;
    try {
      data = readJobData(job.data);
    } catch (error) {
      // A payload that does not validate will not validate on the next attempt either.
      throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
    }
    const { spec } = data;
    const runId = data.resumes ?? jobId;
    const controller = new AbortController();
    bullSignal?.addEventListener('abort', () => controller.abort(bullSignal.reason), { once: true });
    if (token) this.#active.set(jobId, { job, token, controller });
    let timer: NodeJS.Timeout | undefined;
    try {
      const attempt = this.#handler({
        runId,
        spec,
        attempt: job.attemptsMade + 1,
        signal: controller.signal,
        ...(data.resumes === undefined ? {} : { resume: true }),
      });
      const { timeoutMs } = spec;
      const outcome =
        timeoutMs === undefined
          ? await attempt
          : await Promise.race([
              attempt,
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => {
                  const error = new TaskTimeoutError(runId, timeoutMs);
                  controller.abort(error);
                  reject(error);
                }, timeoutMs);
              }),
            ]);
      if (this.#handedBack.has(jobId)) throw new WaitingError();
      return { status: outcome.status };
    } catch (error) {
      if (this.#handedBack.has(jobId)) throw new WaitingError();
      const waitMs = rateLimitRetryAfterMs(error);
      if (waitMs !== undefined && token) {
        // The provider said when to come back: wait in the delayed set, without spending an attempt.
        await job.moveToDelayed(Date.now() + waitMs, token);
        this.#settings.logger.info({ runId, waitMs }, 'task delayed by a model rate limit');
        throw new DelayedError();
      }
      // No attempt left would change the outcome: fail the job now, not after its backoffs.
      if (isFinalTaskError(error)) throw new UnrecoverableError((error as Error).message);
      throw error instanceof Error ? error : new Error(String(error));
    } finally {
      clearTimeout(timer);
      this.#active.delete(jobId);
      this.#handedBack.delete(jobId);
    }
  }

  /**
   * `drain: true` stops taking tasks and waits for the active ones to end. Otherwise the active
   * tasks' signals are aborted and each job is moved back to waiting at once (same run id, no
   * attempt spent), so another worker takes it and resumes the run from its snapshot; a handler
   * that ignores its signal keeps running here, but its result is dropped. Should the hand-back
   * fail (Redis gone), the job's lock expires and BullMQ's stalled check hands it on instead.
   */
  close(options: { drain?: boolean } = {}): Promise<void> {
    this.#closing ??= this.#close(options.drain ?? false);
    return this.#closing;
  }

  async #close(drain: boolean): Promise<void> {
    clearInterval(this.#discovery);
    const workers = [...this.#workers.values()];
    if (drain) {
      await Promise.all(workers.map((worker) => worker.close()));
      return;
    }
    // Pause first so no worker takes a new task while the active ones are handed back.
    await Promise.all(workers.map((worker) => worker.pause(true)));
    await Promise.all(
      [...this.#active.entries()].map(async ([jobId, { job, token, controller }]) => {
        this.#handedBack.add(jobId);
        controller.abort(new WorkerClosingError());
        try {
          await job.moveToWait(token);
        } catch (error) {
          this.#settings.logger.warn(
            { err: error, jobId },
            'task worker: hand-back failed; the stalled check will recover the task',
          );
        }
      }),
    );
    await Promise.all(workers.map((worker) => worker.close(true)));
  }
}
