import { z } from 'zod';
import type { ErrorCode } from '#core';
import { RelayedRunEventSchema } from '#runtime/queue';
import { ToolCallEventSchema } from './tool-call-events.js';

/**
 * The frames of `GET /v1/events` (WebSocket), one JSON object per text message.
 *
 * Topics: `servers` (an upstream's state, circuit or fleet membership changed), `tools` (tool
 * calls started and finished, through any front), `catalog` (the merged lists changed), and, when
 * the API has a task service: `runs` (every event of agent runs this process hosts, in each run's
 * order) and `approvals` (only `approval_requested` and `approval_decided` run events).
 */
export const EVENT_TOPICS = ['servers', 'tools', 'catalog', 'runs', 'approvals'] as const;
export const TopicSchema = z.enum(EVENT_TOPICS);
export type Topic = z.infer<typeof TopicSchema>;

/** The topics that carry run events, and that `runId` / `agent` of a subscribe frame narrow. */
export const RUN_TOPICS = ['runs', 'approvals'] as const satisfies readonly Topic[];
export type RunTopic = (typeof RUN_TOPICS)[number];
export const isRunTopic = (topic: Topic): topic is RunTopic =>
  (RUN_TOPICS as readonly Topic[]).includes(topic);

/** The run event types the `approvals` topic carries. */
export const APPROVAL_EVENT_TYPES = ['approval_requested', 'approval_decided'];

// ---- client → server ------------------------------------------------------------------------

const topics = z.array(TopicSchema).min(1).max(EVENT_TOPICS.length);

/** Narrows the run topics of one subscribe frame to one run and / or one agent. */
export const RunFilterSchema = z.strictObject({
  runId: z.string().min(1).max(200).optional(),
  agent: z.string().min(1).max(64).optional(),
});
export type RunFilter = z.infer<typeof RunFilterSchema>;

/** An approval decision's `reason`: the bounds of the REST body (task-routes.ts DecisionBodySchema). */
const reason = z.string().min(1).max(2000);

/** Decides the pending approval of `runId`, as `POST /v1/runs/{runId}/approve` (or `/reject`) does. */
const decision = <T extends 'approve' | 'reject'>(type: T) =>
  z.strictObject({ type: z.literal(type), runId: z.string().min(1).max(200), reason: reason.optional() });

export const ClientFrameSchema = z.discriminatedUnion('type', [
  /**
   * `runId` / `agent` apply to the run topics (`runs`, `approvals`) of the frame. Each distinct
   * filter is its own subscription, so one socket may follow several runs.
   */
  z
    .strictObject({ type: z.literal('subscribe'), topics, ...RunFilterSchema.shape })
    .refine(
      (frame) => (frame.runId === undefined && frame.agent === undefined) || frame.topics.some(isRunTopic),
      { message: 'runId and agent narrow only the runs and approvals topics', path: ['topics'] },
    ),
  /** Unsubscribing from a run topic ends every subscription of that topic, whatever its filter. */
  z.strictObject({ type: z.literal('unsubscribe'), topics }),
  z.strictObject({ type: z.literal('ping') }),
  /** Needs the `admin` scope, like the REST route. */
  decision('approve'),
  decision('reject'),
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

/** A run event as the `runs` and `approvals` topics send it: the same wire form as the relays'. */
export const RunEventFrameSchema = RelayedRunEventSchema;
export type RunEventFrame = z.infer<typeof RunEventFrameSchema>;

/**
 * The codes of error frames, a part of the error vocabulary (ErrorCode), so a frame answers what
 * REST answers for the same failure: `bad_request` (a frame that does not parse), `rate_limited`
 * (past `messagesPerSecond`), `limit_exceeded` (past `subscriptionsPerSocket`), `unavailable`
 * (the run topics or decisions without a task service), `forbidden` (the key lacks the scope),
 * `not_found` (no such run), `run_state_invalid` (the run has no pending approval),
 * `validation_failed` (a decision the service refuses), `conflict`, `internal`.
 */
export const EVENT_ERROR_CODES = [
  'bad_request',
  'rate_limited',
  'limit_exceeded',
  'unavailable',
  'forbidden',
  'not_found',
  'run_state_invalid',
  'validation_failed',
  'conflict',
  'internal',
] as const satisfies readonly ErrorCode[];
export type EventErrorCode = (typeof EVENT_ERROR_CODES)[number];

const count = z.number().int().min(0);

export const ServerFrameSchema = z.union([
  z.object({
    type: z.literal('event'),
    topic: z.literal('servers'),
    event: ServerEventSchema,
  }),
  z.object({ type: z.literal('event'), topic: z.literal('tools'), event: ToolCallEventSchema }),
  z.object({ type: z.literal('event'), topic: z.literal('catalog'), event: CatalogEventSchema }),
  z.object({ type: z.literal('event'), topic: z.literal('runs'), event: RunEventFrameSchema }),
  z.object({ type: z.literal('event'), topic: z.literal('approvals'), event: RunEventFrameSchema }),
  /** `code` is absent only from servers older than the codes. */
  z.object({ type: z.literal('error'), code: z.enum(EVENT_ERROR_CODES).optional(), message: z.string() }),
  z.object({ type: z.literal('pong') }),
  /**
   * The answer to subscribe: the frame's own topics and filter (all of them are subscribed now),
   * how many subscriptions it added (0 when the socket had them all), and how many the socket
   * holds in all. It never lists the socket's other subscriptions: a client keeps its own list.
   */
  z.object({
    type: z.literal('subscribed'),
    topics: z.array(TopicSchema),
    ...RunFilterSchema.shape,
    added: count,
    subscriptions: count,
  }),
  /** The answer to unsubscribe: the frame's topics, how many subscriptions it ended, how many are left. */
  z.object({
    type: z.literal('unsubscribed'),
    topics: z.array(TopicSchema),
    removed: count,
    subscriptions: count,
  }),
  /** The answer to approve / reject: the approval as decided (its state `approved` or `rejected`). */
  z.object({
    type: z.literal('decided'),
    runId: z.string(),
    approval: z.object({
      id: z.string(),
      state: z.enum(['pending', 'approved', 'rejected', 'expired']),
      decidedBy: z.string(),
      reason: z.string().optional(),
    }),
  }),
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
