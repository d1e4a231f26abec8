import type { Migration } from '#stores/sql';

/**
 * The task queue's tables when BullMQ runs on PostgreSQL (sql-queue-state.ts), as migrations the
 * composition root runs with the rest of the schema (app/database/schema-migrations.ts). Versions
 * are global across every owner; a shipped migration is never edited (migrate() refuses a changed one).
 */
export const QUEUE_MIGRATIONS: readonly Migration[] = [
  {
    version: 7,
    name: 'queue_state',
    // The task queue's own state when BullMQ runs on PostgreSQL (runtime/queue/sql-queue-state.ts):
    // what Redis keys hold otherwise. `namespace` is the queue's BullMQ schema, so two queues on
    // one database stay apart. An idempotency key is claimed by INSERT … ON CONFLICT, which
    // serializes concurrent claims on the primary key; an expired claim is taken over in place.
    up: `
      CREATE TABLE queue_idempotency_keys (
        namespace text NOT NULL,
        key text NOT NULL,
        run_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (namespace, key)
      );
      CREATE INDEX queue_idempotency_keys_expiry ON queue_idempotency_keys (expires_at);
      CREATE TABLE queue_agents (
        namespace text NOT NULL,
        agent text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (namespace, agent)
      );
    `,
  },
];
