import { randomUUID } from 'node:crypto';

import { FlowProducer, Queue, type ConnectionOptions, type FlowJob, type RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';

import { ValidationError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import {
  agentQueueName,
  jobOptions,
  KEEP_COMPLETED,
  toTaskInfo,
  type TaskBullJob,
  type TaskJobData,
} from './bullmq-jobs.js';
import { BullMqTaskWorker, type AgentRateLimit } from './bullmq-worker.js';
import type {
  ChildFailurePolicy,
  SubmittedTask,
  TaskHandler,
  TaskInfo,
  TaskQueue,
  TaskSpec,
  TaskWorker,
  TaskWorkerOptions,
} from './task-queue.js';
import { parseTaskSpec } from './task-spec-schema.js';

export interface BullMqTaskQueueOptions {
  /** A Redis URL (`redis://host:6379/0`) or ioredis options. */
  connection: string | RedisOptions;
  /** Namespaces every Redis key (BullMQ's and the queue's own). @defaultValue 'switchyard' */
  prefix?: string;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Per-agent rate limits (BullMQ's limiter on that agent's queue). @defaultValue none */
  limits?: Record<string, AgentRateLimit>;
  /** Agents a worker without `agents` consumes besides those submitted to. @defaultValue [] */
  agents?: string[];
  /** How long a worker's lock on a task lasts without renewal (a killed worker's tasks wait this long). @defaultValue 30000 */
  lockDurationMs?: number;
  /** How often workers look for tasks whose lock expired. @defaultValue 30000 */
  stalledIntervalMs?: number;
  /** Stalls a task survives before it fails (a task that kills its worker every time). @defaultValue 1 */
  maxStalledCount?: number;
  /** How often a worker without `agents` looks for new agents. @defaultValue 5000 */
  discoverIntervalMs?: number;
  /** How long an idempotency key keeps pointing at its run. @defaultValue 86_400_000 (a day) */
  idempotencyTtlMs?: number;
}

type ResolvedOptions = Omit<Required<BullMqTaskQueueOptions>, 'connection'>;

const DEFAULTS: ResolvedOptions = {
  prefix: 'switchyard',
  logger: silentLogger,
  limits: {},
  agents: [],
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 1,
  discoverIntervalMs: 5_000,
  idempotencyTtlMs: 86_400_000,
};

/**
 * {@link TaskQueue} over BullMQ on Redis: the distributed engine of the cluster deployment.
 *
 * Design:
 * - **One BullMQ queue per agent** (queue `agent-<name>` under `prefix`). BullMQ's limiter is per
 *   queue, so `limits[agent]` is a per-agent rate limit shared by every worker, and
 *   `process({ agents })` consumes exactly those agents' queues. A worker without `agents` consumes
 *   every agent this prefix has seen a submit for (a Redis set `<prefix>:agents`, read again every
 *   `discoverIntervalMs`) plus `options.agents`. Per-provider limits are not a BullMQ limiter
 *   (a provider is shared across agent queues); a provider's 429 delays the job instead (below).
 * - **Job id = run id.** `get`, `remove` and `retry` look the run up in each known agent queue.
 * - **Idempotency:** `SET <prefix>:idem:<key> <runId> NX PX ttl` picks one run id atomically; every
 *   submitter then adds the job with that id (BullMQ ignores an add whose id exists), so a winner
 *   that died between the SET and the add is repaired by the next submit. Completed jobs are kept
 *   for a day ({@link KEEP_COMPLETED}), as long as the key, so a late duplicate does not run again.
 * - **Dead letters:** `removeOnFail: false`; `listFailed` merges the agent queues' failed sets.
 * - **A model's 429** (`code: 'model_rate_limited'` with `details.retryAfterMs`) moves the job to
 *   delayed for that long without spending an attempt.
 * - **Stalled jobs:** a worker killed mid-task stops renewing its lock; after `lockDurationMs` a
 *   stalled check (every `stalledIntervalMs`) on any worker moves the job back to waiting, and
 *   another worker runs it with the same run id (its `stalledCounter` shows it).
 * - **Flows** use BullMQ's FlowProducer: children are child jobs of the parent job, which waits in
 *   `waiting-children` until they end. `onChildFailure: 'fail-parent'` sets `failParentOnFailure`;
 *   `'continue'` sets `ignoreDependencyOnFailure` (the parent runs once the rest ended).
 */
export class BullMqTaskQueue implements TaskQueue {
  readonly kind = 'redis';
  readonly #options: ResolvedOptions;
  readonly #connection: ConnectionOptions;
  readonly #redis: Redis;
  readonly #queues = new Map<string, Queue<TaskJobData>>();
  readonly #workers = new Set<BullMqTaskWorker>();
  #flows: FlowProducer | undefined;
  #closed = false;

  constructor(options: BullMqTaskQueueOptions) {
    const { connection, ...rest } = options;
    this.#options = { ...DEFAULTS, ...rest };
    if (!/^[A-Za-z0-9_.:-]+$/.test(this.#options.prefix)) {
      throw new ValidationError(`prefix must match [A-Za-z0-9_.:-]+, got '${this.#options.prefix}'`, {
        field: 'prefix',
      });
    }
    for (const [agent, limit] of Object.entries(this.#options.limits)) {
      if (!(Number.isInteger(limit.max) && limit.max > 0 && limit.durationMs > 0)) {
        throw new ValidationError(`limits.${agent}: max and durationMs must be positive`, {
          field: `limits.${agent}`,
        });
      }
    }
    // BullMQ's workers block on Redis; ioredis must retry their commands forever.
    this.#connection =
      typeof connection === 'string'
        ? { url: connection, maxRetriesPerRequest: null }
        : { ...connection, maxRetriesPerRequest: null };
    this.#redis =
      typeof connection === 'string'
        ? new Redis(connection, { maxRetriesPerRequest: 3 })
        : new Redis({ ...connection, maxRetriesPerRequest: 3 });
    this.#redis.on('error', (error) => this.#options.logger.error({ err: error }, 'task queue: redis error'));
  }

  async submit(spec: TaskSpec): Promise<SubmittedTask> {
    const valid = parseTaskSpec(spec);
    const { runId, created } = await this.#claimRunId(valid);
    await this.#queue(valid.agent).add(valid.agent, { spec: valid }, jobOptions(runId, valid));
    return { runId, created };
  }

  async submitFlow(
    parent: TaskSpec,
    children: TaskSpec[],
    options: { onChildFailure?: ChildFailurePolicy } = {},
  ): Promise<{ parent: SubmittedTask; children: SubmittedTask[] }> {
    const policy = options.onChildFailure ?? 'fail-parent';
    if (policy !== 'fail-parent' && policy !== 'continue') {
      throw new ValidationError(`onChildFailure must be 'fail-parent' or 'continue'`, {
        field: 'onChildFailure',
      });
    }
    const parentSpec = parseTaskSpec(parent);
    const childSpecs = children.map((child, index) => {
      try {
        return parseTaskSpec(child);
      } catch (error) {
        throw new ValidationError(`children[${index}]: ${(error as Error).message}`, {
          field: `children.${index}`,
        });
      }
    });
    const parentRun = await this.#claimRunId(parentSpec);
    const childRuns = await Promise.all(
      childSpecs.map((spec) => this.#claimRunId({ ...spec, parentRunId: parentRun.runId })),
    );
    const childIds = childRuns.map((run) => run.runId);
    const input = { ...parentSpec, input: withChildren(parentSpec.input, childIds) };
    for (const agent of [parentSpec.agent, ...childSpecs.map((spec) => spec.agent)]) this.#queue(agent);
    const onFailure =
      policy === 'fail-parent' ? { failParentOnFailure: true } : { ignoreDependencyOnFailure: true };
    const flow: FlowJob = {
      name: parentSpec.agent,
      queueName: agentQueueName(parentSpec.agent),
      data: { spec: input },
      opts: jobOptions(parentRun.runId, input),
      children: childSpecs.map((spec, index) => {
        const childSpec = { ...spec, parentRunId: parentRun.runId };
        return {
          name: spec.agent,
          queueName: agentQueueName(spec.agent),
          data: { spec: childSpec },
          opts: { ...jobOptions(childIds[index]!, childSpec), ...onFailure },
        };
      }),
    };
    // A flow whose parent id exists already (an idempotent resubmit) is not added twice.
    if (parentRun.created || !(await this.#findJob(parentRun.runId))) {
      this.#flows ??= this.#makeFlowProducer();
      await this.#flows.add(flow);
    }
    return { parent: parentRun, children: childRuns };
  }

  async get(runId: string): Promise<TaskInfo | undefined> {
    const job = await this.#findJob(runId);
    return job ? toTaskInfo(job) : undefined;
  }

  async remove(runId: string): Promise<boolean> {
    const job = await this.#findJob(runId);
    if (!job) return false;
    const state = await job.getState();
    if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
    try {
      await job.remove();
      return true;
    } catch (error) {
      // It started (or was removed) between the state read and the removal.
      this.#options.logger.debug({ err: error, runId }, 'task queue: remove lost a race');
      return false;
    }
  }

  async listFailed(limit = 100): Promise<TaskInfo[]> {
    const agents = await this.#knownAgents();
    const perQueue = await Promise.all(agents.map((agent) => this.#queue(agent).getFailed(0, limit - 1)));
    const jobs = perQueue.flat() as TaskBullJob[];
    jobs.sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0));
    return Promise.all(jobs.slice(0, limit).map((job) => toTaskInfo(job, 'failed')));
  }

  async retry(runId: string): Promise<void> {
    const job = await this.#findJob(runId);
    if (!job || (await job.getState()) !== 'failed') {
      throw new ValidationError(`task ${runId} is not a dead letter`, { field: 'runId', runId });
    }
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }

  process(handler: TaskHandler, options: TaskWorkerOptions = {}): TaskWorker {
    const worker = new BullMqTaskWorker(handler, options, {
      connection: this.#connection,
      prefix: this.#options.prefix,
      logger: this.#options.logger,
      limits: this.#options.limits,
      lockDurationMs: this.#options.lockDurationMs,
      stalledIntervalMs: this.#options.stalledIntervalMs,
      maxStalledCount: this.#options.maxStalledCount,
      discoverIntervalMs: this.#options.discoverIntervalMs,
      listAgents: () => this.#knownAgents(),
    });
    this.#workers.add(worker);
    const close = worker.close.bind(worker);
    return {
      close: async (closeOptions) => {
        await close(closeOptions);
        this.#workers.delete(worker);
      },
    };
  }

  /** Closes this process's workers (handing their tasks back), queues and connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#workers].map((worker) => worker.close({ drain: false })));
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    await this.#flows?.close();
    await this.#redis.quit();
  }

  /** Removes every key of this queue's prefix (tests; an operator's reset). */
  async obliterate(): Promise<void> {
    const agents = await this.#knownAgents();
    await Promise.all(agents.map((agent) => this.#queue(agent).obliterate({ force: true })));
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${this.#options.prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await this.#redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async #claimRunId(spec: TaskSpec): Promise<SubmittedTask> {
    const runId = randomUUID();
    await this.#redis.sadd(this.#key('agents'), spec.agent);
    if (spec.idempotencyKey === undefined) return { runId, created: true };
    const key = this.#key(`idem:${spec.idempotencyKey}`);
    const won = await this.#redis.set(key, runId, 'PX', this.#options.idempotencyTtlMs, 'NX');
    if (won === 'OK') return { runId, created: true };
    const existing = await this.#redis.get(key);
    // The key expired between SET and GET: claim it again.
    return existing === null ? this.#claimRunId(spec) : { runId: existing, created: false };
  }

  async #knownAgents(): Promise<string[]> {
    const registered = await this.#redis.smembers(this.#key('agents'));
    return [...new Set([...this.#options.agents, ...registered])].sort();
  }

  async #findJob(runId: string): Promise<TaskBullJob | undefined> {
    for (const agent of await this.#knownAgents()) {
      const job = (await this.#queue(agent).getJob(runId)) as TaskBullJob | undefined;
      if (job) return job;
    }
    return undefined;
  }

  #queue(agent: string): Queue<TaskJobData> {
    let queue = this.#queues.get(agent);
    if (!queue) {
      queue = new Queue<TaskJobData>(agentQueueName(agent), {
        connection: this.#connection,
        prefix: this.#options.prefix,
        defaultJobOptions: { removeOnComplete: KEEP_COMPLETED, removeOnFail: false },
      });
      queue.on('error', (error) => this.#options.logger.error({ err: error, agent }, 'task queue error'));
      this.#queues.set(agent, queue);
    }
    return queue;
  }

  #makeFlowProducer(): FlowProducer {
    const flows = new FlowProducer({ connection: this.#connection, prefix: this.#options.prefix });
    flows.on('error', (error) =>
      this.#options.logger.error({ err: error }, 'task queue: flow producer error'),
    );
    return flows;
  }

  #key(suffix: string): string {
    return `${this.#options.prefix}:${suffix}`;
  }
}

/** The parent's input with its children's run ids: merged into an object input, else wrapped. */
function withChildren(input: unknown, children: string[]): unknown {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return { ...input, children };
  return input === undefined ? { children } : { value: input, children };
}
