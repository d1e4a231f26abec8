import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { type Logger, silentLogger } from '#core';

/**
 * A tool call seen by a front: `started` when it is sent, `finished` when it settled. Every front
 * (the HTTP API, the MCP front) feeds the same emitter; the metrics and the `tools` WebSocket
 * topic listen to it.
 */
export const ToolCallEventSchema = z.discriminatedUnion('phase', [
  z.object({
    phase: z.literal('started'),
    /** Pairs a `started` with its `finished`. */
    id: z.string(),
    source: z.string(),
    tool: z.string(),
    server: z.string().nullable(),
    at: z.number(),
  }),
  z.object({
    phase: z.literal('finished'),
    id: z.string(),
    source: z.string(),
    tool: z.string(),
    server: z.string().nullable(),
    at: z.number(),
    durationMs: z.number(),
    outcome: z.enum(['ok', 'tool_error', 'error']),
    /** With outcome `error`: the error's code (`upstream_unavailable`, `not_found`, `aborted`, …). */
    errorKind: z.string().optional(),
    error: z.string().optional(),
  }),
]);
export type ToolCallEvent = z.infer<typeof ToolCallEventSchema>;
export type ToolCallStarted = Extract<ToolCallEvent, { phase: 'started' }>;
export type ToolCallFinished = Extract<ToolCallEvent, { phase: 'finished' }>;

export class ToolCallEvents extends EventEmitter<{ call: [ToolCallEvent] }> {
  /** @param log where a listener that throws is reported. @defaultValue silentLogger */
  constructor(private readonly log: Logger = silentLogger) {
    super();
  }

  /** Emits; a listener that throws does not reach the front that reported the call. */
  report(event: ToolCallEvent): void {
    for (const listener of this.listeners('call')) {
      try {
        listener(event);
      } catch (error) {
        this.log.error({ err: error, tool: event.tool }, 'a tool-call event listener threw');
      }
    }
  }

  onCall(listener: (event: ToolCallEvent) => void): () => void {
    this.on('call', listener);
    return () => this.off('call', listener);
  }
}
