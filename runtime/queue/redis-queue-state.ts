import { Redis, type RedisOptions } from 'ioredis';

import type { Logger } from '#core';
import type { QueueState } from './queue-state.js';

/**
 * {@link QueueState} in Redis, under the queue's prefix: `SET <prefix>:idem:<key> <runId> NX PX ttl`
 * for claims and the set `<prefix>:agents` for the registry. `clear` deletes every key of the
 * prefix (BullMQ's included: obliterate calls it last).
 */
export class RedisQueueState implements QueueState {
  readonly #redis: Redis;
  readonly #prefix: string;
  /** Set once the connection was ready and then lost: the next `ready` is a reconnect. */
  #lost = false;

  constructor(connection: string | RedisOptions, prefix: string, logger: Logger) {
    this.#prefix = prefix;
    this.#redis =
      typeof connection === 'string'
        ? new Redis(connection, { maxRetriesPerRequest: 3 })
        : new Redis({ ...connection, maxRetriesPerRequest: 3 });
    this.#redis.on('error', (error) => logger.error({ err: error }, 'task queue: redis error'));
    this.#redis.on('close', () => (this.#lost = true));
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  onReconnect(listener: () => void): () => void {
    const onReady = () => {
      if (!this.#lost) return;
      this.#lost = false;
      listener();
    };
    this.#redis.on('ready', onReady);
    return () => this.#redis.off('ready', onReady);
  }

  async claim(key: string, runId: string, ttlMs: number): Promise<string> {
    const redisKey = `${this.#prefix}:idem:${key}`;
    const won = await this.#redis.set(redisKey, runId, 'PX', ttlMs, 'NX');
    if (won === 'OK') return runId;
    const existing = await this.#redis.get(redisKey);
    // The key expired between SET and GET: claim it again.
    return existing ?? this.claim(key, runId, ttlMs);
  }

  async addAgent(agent: string): Promise<void> {
    await this.#redis.sadd(`${this.#prefix}:agents`, agent);
  }

  agents(): Promise<string[]> {
    return this.#redis.smembers(`${this.#prefix}:agents`);
  }

  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${this.#prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await this.#redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    await this.#redis.quit();
  }
}
