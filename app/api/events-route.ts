import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Logger } from '#core';
import type { TaskService } from '#bridge/tasks';
import type { ApiLimits } from './api-options.js';
import { disclosureFor, fieldMatcher } from '#bridge/access';
import { sendError } from './error-replies.js';
import { parseClientFrame, type ServerFrame } from './event-frames.js';
import type { EventHub } from './event-hub.js';
import { FrameRateLimiter } from './frame-rate-limiter.js';
import { decideForSocket } from './socket-decisions.js';
import { SocketQuota } from './socket-quota.js';
import { SocketSubscriptions } from './socket-subscriptions.js';

/**
 * The OpenAPI entry of `/v1/events`: @fastify/websocket hides WebSocket routes from the document,
 * so createApi adds this one itself.
 */
export const EVENTS_PATH_DOC = {
  get: {
    summary: 'Event stream (WebSocket)',
    description:
      'Upgrade to a WebSocket. Send {"type":"subscribe","topics":["servers","tools","catalog","runs","approvals"]} ' +
      '(runs and approvals take an optional "runId" and "agent" in the same frame, and need the task service), ' +
      '{"type":"unsubscribe","topics":[…]} (for runs and approvals: every filter of the topic), {"type":"ping"}, ' +
      'or, with the admin scope, {"type":"approve"|"reject","runId","reason"?} (reason 1..2000 characters) to ' +
      'decide the run’s pending approval as POST /v1/runs/{id}/approve does. ' +
      'Receive {"type":"event",topic,event}; {"type":"subscribed",topics,runId?,agent?,added,subscriptions} ' +
      '(the frame’s own topics and filter, how many subscriptions it added, how many the socket holds); ' +
      '{"type":"unsubscribed",topics,removed,subscriptions}; {"type":"decided",runId,approval:{id,state,decidedBy,reason?}}; ' +
      '{"type":"pong"}; and {"type":"error",code,message}, code one of bad_request, rate_limited, limit_exceeded, ' +
      'unavailable, forbidden (approve / reject without admin), not_found (no such run), conflict (no pending ' +
      'approval), internal. After an error frame the socket stays open and nothing of the frame was applied. ' +
      'Run events are {runId,agent,seq,type,data,at}; approvals carries approval_requested and approval_decided. ' +
      'Their tool arguments and approval details are redacted (api.redact patterns), and result previews are ' +
      'sent only to keys with call or admin. Limits (api.limits): socketsPerKey open sockets per key (per client ' +
      'address on an open API; one more is refused with 429); subscriptionsPerSocket subscriptions, each run ' +
      'filter counting once; messagesPerSecond frames a second (past it, rate_limited errors; more than ten times ' +
      'that refused within 5 s closes the socket with 1008). A client that does not read its frames is disconnected (1008).',
    tags: ['events'],
    responses: {
      101: { description: 'Switching protocols' },
      401: { description: 'No valid key' },
      429: { description: 'The key has socketsPerKey sockets open' },
    },
  },
};

/** Frames a slow client may have waiting before it is disconnected (1 MiB). */
const MAX_BUFFERED_BYTES = 1 << 20;

/** What registerEventsRoute needs. */
export interface EventsRouteOptions {
  log: Logger;
  /** The socket caps of `api.limits`. */
  limits: Pick<ApiLimits, 'socketsPerKey' | 'subscriptionsPerSocket' | 'messagesPerSecond'>;
  /** Field-name patterns redacted in run events' tool arguments: `api.redact`. */
  redact: readonly string[];
  /** Decides approve / reject frames. @defaultValue none (those frames get `unavailable`) */
  tasks?: TaskService | undefined;
  /** The frame rate limiter's clock, in milliseconds. @defaultValue performance.now */
  now?: () => number;
}

/** Whose sockets a request's counts against: its key's, or its address's on an open API. */
const holderOf = (request: FastifyRequest): string =>
  request.apiKey ? `key:${request.apiKey.name}` : `ip:${request.ip}`;

/**
 * `GET /v1/events`: a WebSocket of event frames (event-frames.ts). A socket receives nothing until
 * it subscribes; a malformed frame is answered with an error frame and the socket stays open.
 * Needs the `read` scope (checked on the upgrade request, like any GET); approve / reject frames
 * need `admin`, checked per frame. Run events are disclosed by the key's scopes (disclosure.ts).
 */
export function registerEventsRoute(app: FastifyInstance, hub: EventHub, options: EventsRouteOptions): void {
  const { log, limits, tasks } = options;
  const quota = new SocketQuota(limits.socketsPerKey);
  const redact = fieldMatcher(options.redact);
  app.route({
    method: 'GET',
    url: '/v1/events',
    config: { scope: 'read' },
    schema: { hide: true },
    // Refused before the upgrade, so the client sees a status it can act on.
    preHandler: async (request, reply) => {
      if (!quota.hasRoom(holderOf(request)))
        return sendError(
          reply,
          'rate_limited',
          `too many event sockets: at most ${limits.socketsPerKey} open per API key (per client address on an open API)`,
        );
    },
    // A plain GET (no Upgrade header) is told what the route is, in the API's error body.
    handler: (_request, reply) =>
      sendError(reply, 'upgrade_required', '/v1/events is a WebSocket: send Upgrade: websocket'),
    wsHandler: (socket: WebSocket, request: FastifyRequest) => {
      // Two upgrades may both pass the preHandler before either opens: the count is taken here.
      const release = quota.acquire(holderOf(request));
      if (!release) {
        socket.close(1008, `at most ${limits.socketsPerKey} event sockets per API key`);
        return;
      }
      // Set by the auth hook for every non-public route: the key's caller, or an open API's anonymous one.
      const caller = request.caller;
      if (!caller) {
        release();
        socket.close(1008, 'unauthenticated');
        return;
      }
      const limiter = new FrameRateLimiter({
        perSecond: limits.messagesPerSecond,
        ...(options.now ? { now: options.now } : {}),
      });
      const send = (frame: ServerFrame) => {
        if (socket.readyState !== socket.OPEN) return;
        // Backpressure: a client that does not read is cut off instead of growing our memory.
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return closeWith(1008, 'too many unread frames');
        socket.send(JSON.stringify(frame));
      };
      const subscriptions = new SocketSubscriptions(hub, {
        max: limits.subscriptionsPerSocket,
        disclosure: disclosureFor(caller.scopes, redact),
        send,
      });
      // Stop listening as soon as we decide to close: the closing handshake may take a while.
      const closeWith = (code: number, reason: string) => {
        subscriptions.close();
        socket.close(code, reason);
      };
      socket.on('message', (data, isBinary) => {
        // Frames already received when the socket began closing are not served.
        if (socket.readyState !== socket.OPEN) return;
        const verdict = limiter.take();
        if (verdict === 'flood') return closeWith(1008, 'too many frames');
        if (verdict === 'refuse')
          return send({
            type: 'error',
            code: 'rate_limited',
            message: `at most ${limits.messagesPerSecond} frames a second: this frame was dropped`,
          });
        const parsed = isBinary ? { error: 'frames must be text' } : parseClientFrame(String(data));
        if ('error' in parsed) return send({ type: 'error', code: 'bad_request', message: parsed.error });
        const { frame } = parsed;
        switch (frame.type) {
          case 'ping':
            return send({ type: 'pong' });
          case 'subscribe':
            return send(subscriptions.subscribe(frame));
          case 'unsubscribe':
            return send(subscriptions.unsubscribe(frame));
          case 'approve':
          case 'reject':
            return void decideForSocket(frame, caller, tasks, log).then(send, (error: unknown) => {
              log.error({ err: error, runId: frame.runId, key: caller.name }, 'socket decision failed');
              send({ type: 'error', code: 'internal', message: `could not ${frame.type} the run` });
            });
        }
      });
      socket.on('error', (error) => log.warn({ err: error }, 'event socket error'));
      socket.on('close', () => {
        subscriptions.close();
        release();
      });
    },
  });
}
