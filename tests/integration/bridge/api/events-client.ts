import { WebSocket } from 'ws';
import { type ServerFrame, ServerFrameSchema } from '../../../../bridge/api/event-frames.js';

export interface EventsClient {
  socket: WebSocket;
  /** Every frame received so far, each checked against the schema. */
  frames: ServerFrame[];
  /** The first frame (received already or later) that matches; rejects after `timeoutMs`. */
  next(match: (f: ServerFrame) => boolean): Promise<ServerFrame>;
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
  return { socket, frames, next };
}
