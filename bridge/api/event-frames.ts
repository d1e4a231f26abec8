import { z } from 'zod';
import { ToolCallEventSchema } from './tool-call-events.js';

/**
 * The frames of `GET /v1/events` (WebSocket), one JSON object per text message.
 *
 * Topics: `servers` (an upstream's state, circuit or fleet membership changed), `tools` (tool
 * calls started and finished, through any front), `catalog` (the merged lists changed).
 */
export const EVENT_TOPICS = ['servers', 'tools', 'catalog'] as const;
export const TopicSchema = z.enum(EVENT_TOPICS);
export type Topic = z.infer<typeof TopicSchema>;

// ---- client → server ------------------------------------------------------------------------

const topics = z.array(TopicSchema).min(1).max(EVENT_TOPICS.length);

export const ClientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), topics }),
  z.strictObject({ type: z.literal('unsubscribe'), topics }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

// ---- server → client ------------------------------------------------------------------------

const upstreamState = z.enum(['starting', 'ready', 'degraded', 'restarting', 'crash-loop', 'stopped']);
const circuitState = z.enum(['closed', 'open', 'half-open']);

export const ServerEventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('state'),
    name: z.string(),
    from: upstreamState,
    to: upstreamState,
    reason: z.string(),
    at: z.number(),
    retryInMs: z.number().optional(),
  }),
  z.object({
    kind: z.literal('circuit'),
    name: z.string(),
    from: circuitState,
    to: circuitState,
    failures: z.number(),
    at: z.number(),
  }),
  z.object({
    kind: z.literal('membership'),
    name: z.string(),
    change: z.enum(['added', 'removed', 'replaced']),
    at: z.number(),
  }),
]);
export type ServerEvent = z.infer<typeof ServerEventSchema>;

export const CatalogEventSchema = z.object({ kinds: z.array(z.enum(['tools', 'resources', 'prompts'])) });

export const ServerFrameSchema = z.union([
  z.object({
    type: z.literal('event'),
    topic: z.literal('servers'),
    event: ServerEventSchema,
  }),
  z.object({ type: z.literal('event'), topic: z.literal('tools'), event: ToolCallEventSchema }),
  z.object({ type: z.literal('event'), topic: z.literal('catalog'), event: CatalogEventSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
  z.object({ type: z.literal('pong') }),
  /** The answer to subscribe / unsubscribe: the topics the socket now receives. */
  z.object({ type: z.literal('subscribed'), topics: z.array(TopicSchema) }),
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;

/**
 * Parses one client message. A malformed one yields an error message to send back (the socket
 * stays open): not JSON, or not one of the frames above, with zod's account of what is wrong.
 */
export function parseClientFrame(data: string): { frame: ClientFrame } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { error: 'a frame must be a JSON object' };
  }
  const parsed = ClientFrameSchema.safeParse(value);
  if (parsed.success) return { frame: parsed.data };
  return { error: `malformed frame: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}` };
}
