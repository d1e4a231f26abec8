import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { Logger } from '../../runtime/logger.js';
import { parseClientFrame, type ServerFrame, type Topic } from './event-frames.js';
import type { EventHub } from './event-hub.js';

/**
 * The OpenAPI entry of `/v1/events`: @fastify/websocket hides WebSocket routes from the document,
 * so createApi adds this one itself.
 */
export const EVENTS_PATH_DOC = {
  get: {
    summary: 'Event stream (WebSocket)',
    description:
      'Upgrade to a WebSocket. Send {"type":"subscribe","topics":["servers","tools","catalog"]} ' +
      '(or unsubscribe, or {"type":"ping"}); receive {"type":"event",topic,event}, ' +
      '{"type":"subscribed",topics}, {"type":"error",message} and {"type":"pong"} frames.',
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
        for (const topic of frame.topics) {
          if (frame.type === 'subscribe' && !subscriptions.has(topic))
            subscriptions.set(topic, hub.subscribe(topic, send));
          if (frame.type === 'unsubscribe') {
            subscriptions.get(topic)?.();
            subscriptions.delete(topic);
          }
        }
        send({ type: 'subscribed', topics: [...subscriptions.keys()] });
      });
      socket.on('error', (error) => log.warn({ err: error }, 'event socket error'));
      socket.on('close', () => {
        for (const off of subscriptions.values()) off();
        subscriptions.clear();
      });
    },
  );
}
