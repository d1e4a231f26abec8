/**
 * The state {@link BullMqTaskQueue} keeps beside BullMQ's jobs: idempotency claims and the registry
 * of agents a prefix has seen. On Redis these are keys under the queue's prefix
 * ({@link RedisQueueState}); with BullMQ's PostgreSQL backend they are rows of Switchyard's own
 * tables ({@link SqlQueueState}, migration 7), so the postgres engine needs no Redis at all.
 */
export interface QueueState {
  /**
   * Points `key` at `runId` unless a live claim holds it; answers the run id the key points at
   * afterwards (`runId` itself when this call won). Atomic across processes: of concurrent claims
   * with one key, exactly one wins and every caller gets the winner's run id. A claim lives `ttlMs`.
   */
  claim(key: string, runId: string, ttlMs: number): Promise<string>;
  /** Adds an agent to the registry (idempotent). */
  addAgent(agent: string): Promise<void>;
  /** The registered agents, in no particular order. */
  agents(): Promise<string[]>;
  /** Resolves when the engine answers (Redis PING, SQL SELECT 1). */
  ping(): Promise<void>;
  /**
   * Calls `listener` each time the engine's connection comes back after it was lost (a Redis
   * restart); returns the function that stops it. Engines without such a notion never call it.
   */
  onReconnect(listener: () => void): () => void;
  /** Forgets every claim and agent of this namespace (tests; an operator's reset). */
  clear(): Promise<void>;
  /** Releases what this state opened (not what it was given). */
  close(): Promise<void>;
}
