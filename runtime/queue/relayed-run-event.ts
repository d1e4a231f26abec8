import { z } from 'zod';
import type { LiveRunEvent, RunEventBus } from '../actors/run-event-bus.js';
import type { Logger } from '#core';

/**
 * A run event on the wire: JSON with `at` as an ISO 8601 string. How it travels between processes
 * (the Redis and PostgreSQL relays, validated on arrival so a stray message on the channel is
 * ignored, not delivered) and how the API's `runs` and `approvals` topics send it.
 */
export const RelayedRunEventSchema = z.object({
  runId: z.string(),
  agent: z.string(),
  /** 1, 2, 3… per run: a client that reconnects reads what it missed with GET /v1/tasks/{id}?afterSeq=. */
  seq: z.number().int(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  at: z.string(),
});

export type RelayedRunEvent = z.infer<typeof RelayedRunEventSchema>;

/** The event as it is sent (`extra` adds transport fields, such as the sender's origin). */
export function toRelayed<T extends object>(event: LiveRunEvent, extra?: T): RelayedRunEvent & T {
  return { ...event, at: event.at.toISOString(), ...(extra as T) };
}

/** A received message (its parsed JSON) as an event; throws when it is not one. Unknown fields are dropped. */
export function fromRelayed(message: unknown): LiveRunEvent {
  const { at, ...rest } = RelayedRunEventSchema.parse(message);
  return { ...rest, at: new Date(at) };
}

/** Carries run events between processes (Redis pub/sub, PostgreSQL LISTEN/NOTIFY). */
export interface RunEventRelay {
  /** Connects and starts forwarding this process's events and delivering the others'. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The bus side every relay shares: this process's events go out, but not those that came in from
 * another process (no echo), and what comes in is delivered into the bus once.
 */
export class RelayedBus {
  private readonly relayed = new WeakSet<object>();

  constructor(
    private readonly bus: RunEventBus,
    private readonly logger: Logger,
  ) {}

  /** Hands each event of this process to `send`; returns how to stop. */
  forward(send: (event: LiveRunEvent) => void): () => void {
    return this.bus.subscribe((event) => {
      if (!this.relayed.has(event)) send(event);
    });
  }

  /**
   * Delivers a received message (JSON) into the bus, unless `isOwn` says this process sent it; a
   * message that is not a run event is logged and ignored.
   */
  deliver(json: string, isOwn?: (parsed: unknown) => boolean): void {
    let event: LiveRunEvent;
    try {
      const parsed: unknown = JSON.parse(json);
      if (isOwn?.(parsed)) return;
      event = fromRelayed(parsed);
    } catch (error) {
      this.logger.warn({ err: error }, 'run event relay: a message that is not a run event was ignored');
      return;
    }
    this.relayed.add(event);
    this.bus.publish(event);
  }
}
