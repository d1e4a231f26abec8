// The front door of runtime/queue: Distributing runs over workers: the task queue (BullMQ or inline), the run task handler, the reconciler, run event relays; the `queue` and `redis` config sections, `agents.rateLimits`, and the queue's tables.
// Other layers import it as '#runtime/queue' (package.json `imports`); a file not exported here is internal.
export * from './agent-rate-limits-schema.js';
export * from './bullmq-task-queue.js';
export * from './inline-task-queue.js';
export * from './pg-run-event-relay.js';
export * from './queue-config-schema.js';
export * from './queue-migrations.js';
export * from './redis-config-schema.js';
export * from './redis-run-event-relay.js';
export * from './relayed-run-event.js';
export * from './run-task-handler.js';
export * from './task-queue.js';
export * from './task-reconciler.js';
export * from './task-spec-schema.js';
