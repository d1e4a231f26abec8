import {
  createPostgresBackend,
  FlowProducer,
  Queue,
  Worker,
  withBackend,
  type ConnectionOptions,
  type IQueueBackend,
  type PostgresPoolConfig,
  type Processor,
  type QueueOptions,
  type WorkerOptions,
} from 'bullmq';

import type { TaskJobData, TaskJobResult } from './bullmq-jobs.js';

/**
 * Where BullMQ keeps its jobs: Redis (the default backend; `prefix` namespaces the keys) or
 * BullMQ's PostgreSQL backend (`createPostgresBackend`; the pool config's `schema` is the
 * namespace, and the prefix option means nothing there). Every BullMQ object of a
 * {@link BullMqTaskQueue} is made here, so the queue and its workers do not branch on the engine.
 */
export type BullMqBackend =
  | { engine: 'redis'; connection: ConnectionOptions; prefix: string }
  | { engine: 'postgres'; connection: PostgresPoolConfig };

/**
 * One agent's BullMQ queue or worker, whichever backend holds it. BullMQ types each class by its
 * backend and connection options, which makes the Redis and PostgreSQL classes unrelated types
 * though their methods are the same; the casts below erase only those two type parameters.
 */
export type AgentQueue = Queue<
  TaskJobData,
  TaskJobResult,
  string,
  TaskJobData,
  TaskJobResult,
  string,
  IQueueBackend,
  unknown
>;
export type AgentWorker = Worker<TaskJobData, TaskJobResult, string, IQueueBackend>;
export type AgentFlowProducer = FlowProducer<IQueueBackend, unknown>;

/** BullMQ's classes bound to its PostgreSQL backend (typed for its connection options). */
const onPostgres = withBackend(createPostgresBackend);

type QueueSettings = Omit<QueueOptions, 'connection' | 'prefix'>;
type WorkerSettings = Omit<WorkerOptions, 'connection' | 'prefix'>;

export function openAgentQueue(backend: BullMqBackend, name: string, options: QueueSettings): AgentQueue {
  if (backend.engine === 'redis') {
    return new Queue<TaskJobData, TaskJobResult, string>(name, {
      ...options,
      connection: backend.connection,
      prefix: backend.prefix,
    }) as unknown as AgentQueue;
  }
  return new onPostgres.Queue<TaskJobData, TaskJobResult, string>(name, {
    ...options,
    connection: backend.connection,
  }) as unknown as AgentQueue;
}

export function openAgentWorker(
  backend: BullMqBackend,
  name: string,
  processor: Processor<TaskJobData, TaskJobResult, string>,
  options: WorkerSettings,
): AgentWorker {
  if (backend.engine === 'redis') {
    return new Worker<TaskJobData, TaskJobResult, string>(name, processor, {
      ...options,
      connection: backend.connection,
      prefix: backend.prefix,
    });
  }
  return new onPostgres.Worker<TaskJobData, TaskJobResult, string>(name, processor, {
    ...options,
    connection: backend.connection,
  }) as unknown as AgentWorker;
}

export function openFlowProducer(backend: BullMqBackend): AgentFlowProducer {
  if (backend.engine === 'redis') {
    return new FlowProducer({ connection: backend.connection, prefix: backend.prefix });
  }
  return new onPostgres.FlowProducer({ connection: backend.connection });
}
