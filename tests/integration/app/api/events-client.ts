import { WebSocket } from 'ws';
import { type ServerFrame, ServerFrameSchema } from '../../../../app/api/event-frames.js';

export interface EventsClient {
  socket: WebSocket;
  /** Every frame received so far, each checked against the schema. */
  frames: ServerFrame[];
  /** The first frame (received already or later) that matches; rejects after `timeoutMs`. */
  next(match: (f: ServerFrame) => boolean): Promise<ServerFrame>;
  /** Sends `frame` as JSON and answers the first frame received after it that matches. */
  request(frame: unknown, match?: (f: ServerFrame) => boolean): Promise<ServerFrame>;
  /** Resolves with the close code and reason once the socket is closed. */
  closed: Promise<{ code: number; reason: string }>;
}

/** A connected client of GET /v1/events that keeps every frame. */
export async function connectEvents(
  url: string,
  headers: Record<string, string>,
  timeoutMs = 5_000,
): Promise<EventsClient> {
  const socket = new WebSocket(url, { headers });
  const frames: ServerFrame[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    frames.push(ServerFrameSchema.parse(JSON.parse(String(data))));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const next = (match: (f: ServerFrame) => boolean) =>
    new Promise<ServerFrame>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching frame; got ${JSON.stringify(frames)}`)),
        timeoutMs,
      );
      const look = () => {
        const found = frames.find(match);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else waiters.push(look);
      };
      look();
    });
  const request = (frame: unknown, match: (f: ServerFrame) => boolean = (f) => f.type !== 'event') => {
    const before = frames.length;
    socket.send(JSON.stringify(frame));
    return next((f) => frames.indexOf(f) >= before && match(f));
  };
  return { socket, frames, next, request, closed };
}

/** The HTTP status an upgrade to `url` gets: 101 when it opens (the socket is closed again at once). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const socket = new WebSocket(url, { headers });
  return new Promise<number>((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.close();
    });
    // `on`, not `once`: terminating a refused upgrade may report an error too (ignored once settled).
    socket.on('error', reject);
  });
}
