import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Logger } from '../../runtime/logger.js';
import {
  isRunTopic,
  parseClientFrame,
  type RunFilter,
  type RunTopic,
  type ServerFrame,
  type Topic,
} from './event-frames.js';
import type { EventHub } from './event-hub.js';

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
      'or unsubscribe, or {"type":"ping"}; receive {"type":"event",topic,event}, ' +
      '{"type":"subscribed",topics,runFilters?}, {"type":"error",message} and {"type":"pong"} frames. ' +
      'Run events are {runId,agent,seq,type,data,at}; approvals carries approval_requested and approval_decided.',
    tags: ['events'],
    responses: { 101: { description: 'Switching protocols' }, 401: { description: 'No valid key' } },
  },
};

/** Frames a slow client may have waiting before it is disconnected (1 MiB). */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * `GET /v1/events`: a WebSocket of event frames (event-frames.ts). A socket receives nothing until
 * it subscribes; a malformed frame is answered with an error frame and the socket stays open.
 * Needs the `read` scope (checked on the upgrade request, like any GET).
 */
export function registerEventsRoute(app: FastifyInstance, hub: EventHub, log: Logger): void {
  app.get(
    '/v1/events',
    {
      websocket: true,
      config: { scope: 'read' },
    },
    (socket: WebSocket) => {
      const subscriptions = new Map<Topic, () => void>();
      // Run topics: one subscription per distinct filter, keyed by topic + filter.
      const runSubscriptions = new Map<string, { topic: RunTopic; filter: RunFilter; off: () => void }>();
      const subscribedFrame = (): ServerFrame => {
        const runTopics = new Set([...runSubscriptions.values()].map((entry) => entry.topic));
        const runFilters = [...runSubscriptions.values()].map(({ topic, filter }) => ({ topic, ...filter }));
        return {
          type: 'subscribed',
          topics: [...subscriptions.keys(), ...runTopics],
          ...(runFilters.length > 0 ? { runFilters } : {}),
        };
      };
      const send = (frame: ServerFrame) => {
        if (socket.readyState !== socket.OPEN) return;
        // Backpressure: a client that does not read is cut off instead of growing our memory.
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          socket.close(1008, 'too many unread frames');
          return;
        }
        socket.send(JSON.stringify(frame));
      };
      socket.on('message', (data, isBinary) => {
        const parsed = isBinary ? { error: 'frames must be text' } : parseClientFrame(String(data));
        if ('error' in parsed) return send({ type: 'error', message: parsed.error });
        const { frame } = parsed;
        if (frame.type === 'ping') return send({ type: 'pong' });
        if (frame.type === 'subscribe' && frame.topics.some(isRunTopic) && !hub.hasRunTopics)
          return send({ type: 'error', message: 'the runs and approvals topics need the task service' });
        for (const topic of frame.topics) {
          if (isRunTopic(topic)) {
            if (frame.type === 'subscribe') {
              const filter: RunFilter = {
                ...(frame.runId === undefined ? {} : { runId: frame.runId }),
                ...(frame.agent === undefined ? {} : { agent: frame.agent }),
              };
              const key = JSON.stringify([topic, filter.runId ?? null, filter.agent ?? null]);
              const off = runSubscriptions.has(key) ? undefined : hub.subscribeRuns(topic, filter, send);
              if (off) runSubscriptions.set(key, { topic, filter, off });
            } else {
              for (const [key, entry] of runSubscriptions)
                if (entry.topic === topic) {
                  entry.off();
                  runSubscriptions.delete(key);
                }
            }
            continue;
          }
          if (frame.type === 'subscribe' && !subscriptions.has(topic))
            subscriptions.set(topic, hub.subscribe(topic, send));
          if (frame.type === 'unsubscribe') {
            subscriptions.get(topic)?.();
            subscriptions.delete(topic);
          }
        }
        send(subscribedFrame());
      });
      socket.on('error', (error) => log.warn({ err: error }, 'event socket error'));
      socket.on('close', () => {
        for (const off of subscriptions.values()) off();
        subscriptions.clear();
        for (const { off } of runSubscriptions.values()) off();
        runSubscriptions.clear();
      });
    },
  );
}
