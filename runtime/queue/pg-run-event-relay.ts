import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { LiveRunEvent, RunEventBus } from '../actors/run-event-bus.js';
import { ValidationError, type Logger, silentLogger } from '#core';
import { RelayedBus, type RunEventRelay, toRelayed } from './relayed-run-event.js';

export interface PgRunEventRelayOptions {
  /** A PostgreSQL server's URL (LISTEN/NOTIFY; PGlite has no cross-process notifications). */
  connection: string;
  /** The NOTIFY channel (at most 63 bytes). @defaultValue 'switchyard_run_events' */
  channel?: string;
  /** This process's bus: its events go out, other processes' events come in. */
  bus: RunEventBus;
  logger?: Logger;
  /**
   * Largest event relayed whole (its JSON with non-ASCII escaped, in bytes); a larger one goes
   * with its `data` replaced by `{ truncated: true, bytes }`. @defaultValue 1_048_576
   */
  maxEventBytes?: number;
  /** Wait before a dropped listening connection is opened again. @defaultValue 1000 */
  reconnectDelayMs?: number;
}

/** NOTIFY's payload must be shorter than 8000 bytes; a chunk plus its header stays well below. */
const CHUNK_CHARS = 7_000;
/** Partly received events kept at most (a sender that died mid-event leaves one behind). */
const MAX_PARTIAL = 256;

/**
 * Run events across processes over PostgreSQL LISTEN/NOTIFY: the relay of the postgres queue
 * engine, with the same contract as {@link RedisRunEventRelay} (a bridge's WebSocket clients follow
 * runs that workers execute; no echo; a listener that was down misses events, which stay in the
 * run's event log, GET /v1/tasks/{id}?afterSeq=).
 *
 * - **Order.** Every event of this process goes out through one connection, one NOTIFY statement
 *   at a time (a promise chain), and PostgreSQL delivers a session's notifications in commit
 *   order; a run is hosted by one process at a time, so its events arrive in order.
 * - **Size.** A NOTIFY payload must stay under 8000 bytes. An event is sent as JSON with non-ASCII
 *   characters escaped (so characters are bytes) in frames `<origin> <msg> <index> <count> <chunk>`
 *   of at most 7000 characters, all frames of one event in one statement (one transaction, so
 *   they arrive together), and joined again on arrival. Events above `maxEventBytes` go with their
 *   `data` replaced by `{ truncated: true, bytes }` and a warning: the full event is in the run's
 *   event log. Chunking rather than a reference keeps the relay free of tables and sweeps.
 * - **Connections.** Two per process (publisher, listener), outside any pool; a dropped listener is
 *   opened again after `reconnectDelayMs`, a dropped publisher at the next event.
 */
export class PgRunEventRelay implements RunEventRelay {
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly logger: Logger;
  private readonly maxEventBytes: number;
  private readonly reconnectDelayMs: number;
  private readonly link: RelayedBus;
  private readonly partial = new Map<string, string[]>();
  private publisher: pg.Client | undefined;
  private listener: pg.Client | undefined;
  private sending: Promise<void> = Promise.resolve();
  private nextMessage = 0;
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;
  private stopLocal?: () => void;

  constructor(private readonly options: PgRunEventRelayOptions) {
    this.channel = options.channel ?? 'switchyard_run_events';
    if (this.channel.length === 0 || Buffer.byteLength(this.channel) > 63) {
      throw new ValidationError(`channel must be 1 to 63 bytes, got '${this.channel}'`, { field: 'channel' });
    }
    this.logger = options.logger ?? silentLogger;
    this.link = new RelayedBus(options.bus, this.logger);
    this.maxEventBytes = options.maxEventBytes ?? 1_048_576;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 1_000;
  }

  /** Connects, listens, and starts forwarding this process's events. */
  async start(): Promise<void> {
    await this.listen();
    this.publisher = await this.connect('publisher');
    this.stopLocal = this.link.forward((event) => {
      const frames = this.frames(event);
      this.sending = this.sending
        .then(() => this.send(frames))
        .catch((error: unknown) =>
          this.logger.warn({ err: error, runId: event.runId }, 'run event not relayed'),
        );
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopLocal?.();
    clearTimeout(this.reconnect);
    await this.sending;
    await Promise.allSettled([this.listener?.end(), this.publisher?.end()]);
  }

  private frames(event: LiveRunEvent): string[] {
    let json = asciiJson(toRelayed(event));
    if (json.length > this.maxEventBytes) {
      this.logger.warn(
        { runId: event.runId, seq: event.seq, type: event.type, bytes: json.length },
        'run event relay: event too large, relayed with its data truncated (the run’s event log has it whole)',
      );
      json = asciiJson(toRelayed({ ...event, data: { truncated: true, bytes: json.length } }));
    }
    const message = this.nextMessage++;
    const count = Math.max(1, Math.ceil(json.length / CHUNK_CHARS));
    return Array.from(
      { length: count },
      (_, index) =>
        `${this.origin} ${message} ${index} ${count} ${json.slice(index * CHUNK_CHARS, (index + 1) * CHUNK_CHARS)}`,
    );
  }

  private async send(frames: string[]): Promise<void> {
    this.publisher ??= await this.connect('publisher');
    // One statement: the frames share a transaction, and unnest yields them in array order.
    await this.publisher.query('SELECT pg_notify($1, frame) FROM unnest($2::text[]) AS frame', [
      this.channel,
      frames,
    ]);
  }

  private async connect(role: 'publisher' | 'listener'): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.connection,
      // Names the channel too (Postgres keeps 63 bytes): an operator sees which relay a connection is.
      application_name: `switchyard-run-events-${role}-${this.channel}`.slice(0, 63),
      keepAlive: true,
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error, role }, 'run event relay: postgres connection failed');
      client.end().catch(() => {}); // already broken; end() only releases the socket
      if (role === 'publisher' && this.publisher === client) this.publisher = undefined;
      if (role === 'listener' && this.listener === client) {
        this.listener = undefined;
        this.scheduleListen();
      }
    });
    await client.connect();
    return client;
  }

  private async listen(): Promise<void> {
    const client = await this.connect('listener');
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload !== undefined) this.receive(message.payload);
    });
    await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    this.listener = client;
  }

  private scheduleListen(): void {
    if (this.closed) return;
    // Frames of an event cut by the drop will not be completed.
    this.partial.clear();
    this.reconnect = setTimeout(() => {
      this.listen().catch((error: unknown) => {
        this.logger.warn({ err: error }, 'run event relay: listening again failed; retrying');
        this.scheduleListen();
      });
    }, this.reconnectDelayMs);
    this.reconnect.unref();
  }

  private receive(payload: string): void {
    const match = /^(\S+) (\d+) (\d+) (\d+) /.exec(payload);
    if (!match) {
      this.logger.warn('run event relay: a notification that is not a run event frame was ignored');
      return;
    }
    const [header, origin, message, indexText, countText] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    if (origin === this.origin) return;
    const index = Number(indexText);
    const count = Number(countText);
    const chunk = payload.slice(header.length);
    let json: string;
    if (count === 1) {
      json = chunk;
    } else {
      const key = `${origin} ${message}`;
      let parts = this.partial.get(key);
      if (!parts) {
        if (this.partial.size >= MAX_PARTIAL) this.partial.delete(this.partial.keys().next().value!);
        parts = [];
        this.partial.set(key, parts);
      }
      parts[index] = chunk;
      if (parts.filter((part) => part !== undefined).length < count) return;
      this.partial.delete(key);
      json = parts.join('');
    }
    this.link.deliver(json);
  }
}

/** JSON with every non-ASCII character escaped (`\uXXXX`), so its length in characters is its size in bytes. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
