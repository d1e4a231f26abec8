import { z } from 'zod';
import type { LiveRunEvent } from '../actors/run-event-bus.js';

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
