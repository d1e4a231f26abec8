import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RunEventBus } from '../actors/run-event-bus.js';
import { type Logger, silentLogger } from '#core';
import { RelayedBus, type RunEventRelay, toRelayed } from './relayed-run-event.js';

export interface RedisRunEventRelayOptions {
  /** A Redis URL. */
  connection: string;
  /** The channel is `<prefix>:run-events`. @defaultValue 'switchyard' */
  prefix?: string;
  /** This process's bus: its events go out, other processes' events come in. */
  bus: RunEventBus;
  logger?: Logger;
}

/**
 * Run events across processes over Redis pub/sub: every process publishes the events of the runs
 * it hosts and delivers the others' into its own bus, so a bridge's WebSocket clients follow runs
 * that workers execute. One publisher connection per process keeps each run's events in order
 * (a run is hosted by one process at a time). Pub/sub is fire-and-forget: a subscriber that was
 * down misses events, which stay in the run's event log (GET /v1/tasks/{id}?afterSeq=).
 */
export class RedisRunEventRelay implements RunEventRelay {
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly logger: Logger;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly link: RelayedBus;
  private stopLocal?: () => void;

  constructor(private readonly options: RedisRunEventRelayOptions) {
    this.channel = `${options.prefix ?? 'switchyard'}:run-events`;
    this.logger = options.logger ?? silentLogger;
    this.link = new RelayedBus(options.bus, this.logger);
    this.publisher = new Redis(options.connection, { lazyConnect: true });
    this.subscriber = new Redis(options.connection, { lazyConnect: true });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error) => this.logger.warn({ err: error }, 'run event relay: redis error'));
    }
  }

  /** Connects, subscribes, and starts forwarding this process's events. */
  async start(): Promise<void> {
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
    // Our own messages come back too: the origin tells them apart (it is not a run event field).
    const isOwn = (parsed: unknown) => (parsed as { origin?: unknown } | null)?.origin === this.origin;
    this.subscriber.on('message', (_channel: string, message: string) => this.link.deliver(message, isOwn));
    await this.subscriber.subscribe(this.channel);
    this.stopLocal = this.link.forward((event) => {
      const payload = toRelayed(event, { origin: this.origin });
      this.publisher
        .publish(this.channel, JSON.stringify(payload))
        .catch((error: unknown) =>
          this.logger.warn({ err: error, runId: event.runId }, 'run event not relayed'),
        );
    });
  }

  async close(): Promise<void> {
    this.stopLocal?.();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }
}
