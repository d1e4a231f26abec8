import { randomUUID } from 'node:crypto';

import type { FlowJob, RedisOptions } from 'bullmq';

import type { Sql } from '#stores/sql';
import { SwitchyardError, ValidationError, silentLogger, type Logger } from '#core';
import {
  agentQueueName,
  jobOptions,
  KEEP_COMPLETED,
  resumeJobOptions,
  toTaskInfo,
  type TaskBullJob,
} from './bullmq-jobs.js';
import {
  openAgentQueue,
  openFlowProducer,
  type AgentFlowProducer,
  type AgentQueue,
  type BullMqBackend,
} from './bullmq-backend.js';
import { BullMqTaskWorker, type AgentRateLimit } from './bullmq-worker.js';
import type { QueueState } from './queue-state.js';
import { RedisQueueState } from './redis-queue-state.js';
import { SqlQueueState } from './sql-queue-state.js';
import {
  resumeTaskId,
  type ChildFailurePolicy,
  type SubmittedTask,
  type TaskHandler,
  type TaskInfo,
  type TaskQueue,
  type TaskSpec,
  type TaskWorker,
  type TaskWorkerOptions,
  withChildren,
} from './task-queue.js';
import { parseTaskSpec } from './task-spec-schema.js';

/** BullMQ's PostgreSQL backend instead of Redis (see the class comment for what differs). */
export interface BullMqPostgresOptions {
  /** A PostgreSQL server's URL (`postgres://user@host:5432/db`). Not PGlite: BullMQ's functions fail there. */
  url: string;
  /**
   * BullMQ's schema, created and migrated at first use: the namespace of this queue, as `prefix`
   * is on Redis. @defaultValue 'bullmq'
   */
  schema?: string;
  /**
   * Switchyard's SQL store on the same server, migrated (migration 7): idempotency claims and the
   * agent registry live in its tables. Not closed by the queue.
   */
  sql: Sql;
  /** Connections of each BullMQ queue's and worker's pool (one of each per agent). @defaultValue 3 */
  poolSize?: number;
}

export interface BullMqTaskQueueOptions {
  /** Redis: a URL (`redis://host:6379/0`) or ioredis options. Give this or `postgres`. */
  connection?: string | RedisOptions;
  /** BullMQ's PostgreSQL backend instead of Redis. Give this or `connection`. */
  postgres?: BullMqPostgresOptions;
  /** Namespaces every Redis key (BullMQ's and the queue's own); unused on PostgreSQL. @defaultValue 'switchyard' */
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

type ResolvedOptions = Omit<Required<BullMqTaskQueueOptions>, 'connection' | 'postgres'>;

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
 * {@link TaskQueue} over BullMQ on Redis: the distributed engine of the cluster deployment — or,
 * with `postgres` instead of `connection`, over BullMQ's PostgreSQL backend (below).
 *
 * Design:
 * - **One BullMQ queue per agent** (queue `agent-<name>` under `prefix`). BullMQ's limiter is per
 *   queue, so `limits[agent]` is a per-agent rate limit shared by every worker, and
 *   `process({ agents })` consumes exactly those agents' queues. A worker without `agents` consumes
 *   every agent this prefix has seen a submit for (a Redis set `<prefix>:agents`, read again every
 *   `discoverIntervalMs`) plus `options.agents`. Per-provider limits are not a BullMQ limiter
 *   (a provider is shared across agent queues): the model layer counts them on Redis
 *   (runtime/llm/rate-limited-chat-model.ts), and a run over one waits like after a 429 (below).
 * - **Job id = run id.** `get`, `remove` and `retry` look the run up in each known agent queue.
 * - **Idempotency:** `SET <prefix>:idem:<key> <runId> NX PX ttl` picks one run id atomically; every
 *   submitter then adds the job with that id (BullMQ ignores an add whose id exists), so a winner
 *   that died between the SET and the add is repaired by the next submit. Completed jobs are kept
 *   for a day ({@link KEEP_COMPLETED}), as long as the key, so a late duplicate does not run again.
 * - **Dead letters:** `removeOnFail: false`; `listFailed` merges the agent queues' failed sets.
 * - **Wake-ups** (`resume`): a run that rests (asleep, waiting for a person, told by a model to
 *   come back later) parks, and a job `<runId>.resume.<time>` on its agent's queue brings it back —
 *   delayed until its wake time, or at once when its approval is decided. Durable timers are
 *   delayed jobs this way; no worker holds a resting run.
 * - **A model's 429** that reaches the handler (`code: 'model_rate_limited'` with
 *   `details.retryAfterMs`) moves the job to delayed for that long without spending an attempt.
 *   (Inside an agent run the run itself waits and parks instead: its snapshot keeps its progress.)
 * - **Stalled jobs:** a worker killed mid-task stops renewing its lock; after `lockDurationMs` a
 *   stalled check (every `stalledIntervalMs`) on any worker moves the job back to waiting, and
 *   another worker runs it with the same run id (its `stalledCounter` shows it).
 * - **Flows** use BullMQ's FlowProducer: children are child jobs of the parent job, which waits in
 *   `waiting-children` until they end. `onChildFailure: 'fail-parent'` sets `failParentOnFailure`;
 *   `'continue'` sets `ignoreDependencyOnFailure` (the parent runs once the rest ended).
 *
 * **On PostgreSQL** (`postgres`: BullMQ's `createPostgresBackend`, bullmq 6.7.0; a PostgreSQL
 * server, not PGlite, where its stored functions fail to resolve): the same BullMQ classes, so all
 * of the above holds, and the shared contract suite and this class's own tests pass on it
 * (tests/integration/runtime/queue/bullmq-*.test.ts), except where listed. What differs:
 * - **Namespace:** BullMQ's schema (`postgres.schema`, created and migrated at first use), not
 *   `prefix`. Idempotency claims and the agent registry are rows of Switchyard's store
 *   (`postgres.sql`, migration 7: `queue_idempotency_keys`, `queue_agents`, keyed by that schema):
 *   an `INSERT … ON CONFLICT` replaces `SET NX`, so concurrent submits with one key still get one
 *   run ({@link SqlQueueState}). `obliterate` empties the agent queues and those rows; the schema stays.
 * - **Gap — the limiter's first window is short.** The limiter counts a task when a worker claims
 *   it, and a worker's first claim comes 100-600 ms before its handler starts (the worker is still
 *   connecting and checking the schema), so, measured at the handlers, the first window after a
 *   worker starts is short by that much; the claims, and every later window, are spaced exactly.
 *   (The exact-spacing test is skipped on PostgreSQL with this reason; a test of the later windows runs.)
 * - **Connections:** each agent queue and each worker owns a pool of up to `postgres.poolSize`,
 *   and each worker one more connection for LISTEN: up to agents × (2 × poolSize + 1) per process
 *   (measured: 18 for 3 agents at the default 3). Size the server's `max_connections` for it.
 * - **Throughput:** about 1,000 no-op jobs/s on the test machine (ENVIRONMENT.md).
 * - Stalled-job recovery after `kill -9`, the hand-back on close, `moveToDelayed` for a model's 429,
 *   priorities, delays, retries with backoff, dead letters and flows (both child-failure policies)
 *   behave as on Redis (each tested on both).
 */
export class BullMqTaskQueue implements TaskQueue {
  /** `redis`, or `postgres` on BullMQ's PostgreSQL backend. */
  readonly kind: 'redis' | 'postgres';
  readonly #options: ResolvedOptions;
  readonly #backend: BullMqBackend;
  /** Idempotency claims and the agent registry: Redis keys, or rows of the SQL store. */
  readonly #state: QueueState;
  /** Agents this process registered already. */
  readonly #registered = new Set<string>();
  readonly #queues = new Map<string, AgentQueue>();
  readonly #workers = new Set<BullMqTaskWorker>();
  #flows: AgentFlowProducer | undefined;
  #closed = false;

  constructor(options: BullMqTaskQueueOptions) {
    const { connection, postgres, ...rest } = options;
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
    if ((connection === undefined) === (postgres === undefined)) {
      throw new ValidationError('give either connection (Redis) or postgres, not both or neither', {
        field: 'connection',
      });
    }
    if (postgres) {
      const schema = postgres.schema ?? 'bullmq';
      const poolSize = postgres.poolSize ?? 3;
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
        throw new ValidationError(`postgres.schema must match [a-z_][a-z0-9_]{0,62}, got '${schema}'`, {
          field: 'postgres.schema',
        });
      }
      if (!(Number.isInteger(poolSize) && poolSize >= 1)) {
        throw new ValidationError(`postgres.poolSize must be a positive integer, got ${poolSize}`, {
          field: 'postgres.poolSize',
        });
      }
      this.kind = 'postgres';
      // migrate: BullMQ creates or upgrades its schema at first use, under its own advisory lock.
      this.#backend = {
        engine: 'postgres',
        connection: { connectionString: postgres.url, schema, migrate: true, max: poolSize },
      };
      this.#state = new SqlQueueState(postgres.sql, schema, this.#options.logger);
    } else {
      const redis = connection!;
      this.kind = 'redis';
      // BullMQ's workers block on Redis; ioredis must retry their commands forever.
      this.#backend = {
        engine: 'redis',
        connection:
          typeof redis === 'string'
            ? { url: redis, maxRetriesPerRequest: null }
            : { ...redis, maxRetriesPerRequest: null },
        prefix: this.#options.prefix,
      };
      this.#state = new RedisQueueState(redis, this.#options.prefix, this.#options.logger);
    }
  }

  async submit(spec: TaskSpec, options: { runId?: string } = {}): Promise<SubmittedTask> {
    const valid = parseTaskSpec(spec);
    const { runId, created } = await this.#claimRunId(valid, options.runId);
    // BullMQ ignores an add whose job id exists: a task queued again from its run row is queued once.
    await this.#queue(valid.agent).add(valid.agent, { spec: valid }, jobOptions(runId, valid));
    return { runId, created };
  }

  async ping(timeoutMs: number): Promise<void> {
    await withTimeout(
      this.#state.ping(),
      timeoutMs,
      `the ${this.kind} queue did not answer in ${timeoutMs} ms`,
    );
  }

  /** Calls `listener` each time the queue's engine comes back after a lost connection (a Redis restart). */
  onReconnect(listener: () => void): () => void {
    return this.#state.onReconnect(listener);
  }

  async submitFlow(
    parent: TaskSpec,
    children: TaskSpec[],
    options: {
      onChildFailure?: ChildFailurePolicy;
      runIds?: { parent: string; children: string[] };
    } = {},
  ): Promise<{ parent: SubmittedTask; children: SubmittedTask[] }> {
    const policy = options.onChildFailure ?? 'fail-parent';
    if (options.runIds && options.runIds.children.length !== children.length)
      throw new ValidationError('runIds.children must name one run id per child', { field: 'runIds' });
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
    const parentRun = await this.#claimRunId(parentSpec, options.runIds?.parent);
    const childRuns = await Promise.all(
      childSpecs.map((spec, index) =>
        this.#claimRunId({ ...spec, parentRunId: parentRun.runId }, options.runIds?.children[index]),
      ),
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
    // A flow whose parent id exists already (an idempotent resubmit, or the reconciler queuing a
    // flow again that survived) is not added twice.
    const fresh = parentRun.created && options.runIds === undefined;
    if (fresh || !(await this.#findJob(parentRun.runId))) {
      this.#flows ??= this.#makeFlowProducer();
      await this.#flows.add(flow);
    }
    return { parent: parentRun, children: childRuns };
  }

  async resume(run: { runId: string; agent: string }, options: { at?: Date } = {}): Promise<void> {
    const at = options.at ?? new Date();
    const spec = parseTaskSpec({ agent: run.agent, input: null });
    await this.#register(run.agent);
    await this.#queue(run.agent).add(
      run.agent,
      { spec, resumes: run.runId },
      resumeJobOptions(resumeTaskId(run.runId, at), Math.max(0, at.getTime() - Date.now())),
    );
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
      backend: this.#backend,
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
    await this.#state.close();
  }

  /**
   * Removes every job of this queue and its own state (tests; an operator's reset): on Redis every
   * key of the prefix; on PostgreSQL every agent queue's jobs and this schema's rows of the queue
   * tables (BullMQ's schema itself stays, empty).
   */
  async obliterate(): Promise<void> {
    const agents = await this.#knownAgents();
    await Promise.all(agents.map((agent) => this.#queue(agent).obliterate({ force: true })));
    await this.#state.clear();
    this.#registered.clear();
  }

  /** A new run id, or the idempotency key's run; `given` (a run accepted by the caller) as it is. */
  async #claimRunId(spec: TaskSpec, given?: string): Promise<SubmittedTask> {
    await this.#register(spec.agent);
    if (given !== undefined) return { runId: given, created: true };
    const runId = randomUUID();
    if (spec.idempotencyKey === undefined) return { runId, created: true };
    const winner = await this.#state.claim(spec.idempotencyKey, runId, this.#options.idempotencyTtlMs);
    return { runId: winner, created: winner === runId };
  }

  /** Adds an agent to the registry once per process, not on every submit. */
  async #register(agent: string): Promise<void> {
    if (this.#registered.has(agent)) return;
    await this.#state.addAgent(agent);
    this.#registered.add(agent);
  }

  async #knownAgents(): Promise<string[]> {
    const registered = await this.#state.agents();
    return [...new Set([...this.#options.agents, ...registered])].sort();
  }

  async #findJob(runId: string): Promise<TaskBullJob | undefined> {
    for (const agent of await this.#knownAgents()) {
      const job = (await this.#queue(agent).getJob(runId)) as TaskBullJob | undefined;
      if (job) return job;
    }
    return undefined;
  }

  #queue(agent: string): AgentQueue {
    let queue = this.#queues.get(agent);
    if (!queue) {
      queue = openAgentQueue(this.#backend, agentQueueName(agent), {
        defaultJobOptions: { removeOnComplete: KEEP_COMPLETED, removeOnFail: false },
      });
      queue.on('error', (error) => this.#options.logger.error({ err: error, agent }, 'task queue error'));
      this.#queues.set(agent, queue);
    }
    return queue;
  }

  #makeFlowProducer(): AgentFlowProducer {
    const flows = openFlowProducer(this.#backend);
    flows.on('error', (error) =>
      this.#options.logger.error({ err: error }, 'task queue: flow producer error'),
    );
    return flows;
  }
}

/** `work`, or a rejection saying `message` once `ms` passed (an engine that is down may never answer). */
function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new SwitchyardError('queue_unavailable', message)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
