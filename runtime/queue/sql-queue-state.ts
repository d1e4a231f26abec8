import type { Sql } from '#stores/sql';
import type { Logger } from '#core';
import type { QueueState } from './queue-state.js';

/** How often expired idempotency claims are deleted (a claim is taken over in place anyway). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * {@link QueueState} in Switchyard's SQL store (tables `queue_idempotency_keys` and `queue_agents`,
 * migration 7), one namespace per queue. Used with BullMQ's PostgreSQL backend; the `Sql` is the
 * caller's (already migrated) and is not closed here.
 *
 * A claim is one `INSERT … ON CONFLICT DO UPDATE … WHERE expired`: PostgreSQL serializes concurrent
 * inserts of one primary key (the second waits for the first to commit), so exactly one wins; a
 * loser reads the winner's run id. Expired claims are overwritten in place and swept once a minute
 * (by the claims themselves, no timer), with the database's clock so processes agree.
 */
export class SqlQueueState implements QueueState {
  readonly #sql: Sql;
  readonly #namespace: string;
  readonly #logger: Logger;
  #lastSweep = 0;

  constructor(sql: Sql, namespace: string, logger: Logger) {
    this.#sql = sql;
    this.#namespace = namespace;
    this.#logger = logger;
  }

  async ping(): Promise<void> {
    await this.#sql.query('SELECT 1');
  }

  /** The SQL store's pool reconnects on its own, statement by statement: nothing to announce. */
  onReconnect(): () => void {
    return () => undefined;
  }

  async claim(key: string, runId: string, ttlMs: number): Promise<string> {
    this.#sweep();
    const inserted = await this.#sql.query<{ run_id: string }>(
      `INSERT INTO queue_idempotency_keys (namespace, key, run_id, expires_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (namespace, key) DO UPDATE
         SET run_id = EXCLUDED.run_id, expires_at = EXCLUDED.expires_at
         WHERE queue_idempotency_keys.expires_at <= now()
       RETURNING run_id`,
      [this.#namespace, key, runId, ttlMs],
    );
    if (inserted.rows[0]) return inserted.rows[0].run_id;
    const existing = await this.#sql.query<{ run_id: string }>(
      `SELECT run_id FROM queue_idempotency_keys WHERE namespace = $1 AND key = $2 AND expires_at > now()`,
      [this.#namespace, key],
    );
    // The live claim expired between the two statements: claim it again.
    return existing.rows[0]?.run_id ?? this.claim(key, runId, ttlMs);
  }

  // BullMqTaskQueue registers an agent once per process; a second add is a no-op here too.
  async addAgent(agent: string): Promise<void> {
    await this.#sql.query(
      `INSERT INTO queue_agents (namespace, agent) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [this.#namespace, agent],
    );
  }

  async agents(): Promise<string[]> {
    const { rows } = await this.#sql.query<{ agent: string }>(
      `SELECT agent FROM queue_agents WHERE namespace = $1`,
      [this.#namespace],
    );
    return rows.map((row) => row.agent);
  }

  async clear(): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await tx.query(`DELETE FROM queue_idempotency_keys WHERE namespace = $1`, [this.#namespace]);
      await tx.query(`DELETE FROM queue_agents WHERE namespace = $1`, [this.#namespace]);
    });
  }

  async close(): Promise<void> {
    // The Sql belongs to the caller.
  }

  #sweep(): void {
    const now = Date.now();
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    this.#sql
      .query(`DELETE FROM queue_idempotency_keys WHERE namespace = $1 AND expires_at <= now()`, [
        this.#namespace,
      ])
      .catch((error: unknown) =>
        this.#logger.warn({ err: error }, 'task queue: sweeping expired idempotency keys failed'),
      );
  }
}
