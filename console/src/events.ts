import { storedKey } from './api';

export type Topic = 'servers' | 'tools' | 'catalog' | 'runs' | 'approvals';
export interface EventFrame {
  type: 'event';
  topic: Topic;
  event: Record<string, unknown>;
}
type Listener = (frame: EventFrame) => void;
interface Subscription {
  topic: Topic;
  runId?: string;
  listener: Listener;
}

/**
 * One WebSocket to /v1/events for the whole page, reconnected after a drop. The key travels as
 * the `bearer.<base64url>` subprotocol (a browser cannot set Authorization on an upgrade).
 */
class EventSocket {
  private socket: WebSocket | undefined;
  private readonly subscriptions = new Set<Subscription>();
  private retry: number | undefined;
  /** Called after a reconnect: what arrived meanwhile was missed, so pages reload their data. */
  private readonly reconnectListeners = new Set<() => void>();
  private everOpened = false;

  subscribe(topic: Topic, listener: Listener, runId?: string): () => void {
    const subscription: Subscription = { topic, listener, ...(runId ? { runId } : {}) };
    this.subscriptions.add(subscription);
    if (this.socket?.readyState === WebSocket.OPEN) this.sendSubscribe(subscription);
    else this.open();
    return () => this.subscriptions.delete(subscription);
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  close(): void {
    clearTimeout(this.retry);
    this.socket?.close();
    this.socket = undefined;
  }

  private open(): void {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    const key = storedKey();
    const protocols = ['switchyard', ...(key ? [`bearer.${base64url(key)}`] : [])];
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/events`;
    const socket = new WebSocket(url, protocols);
    this.socket = socket;
    socket.onopen = () => {
      for (const subscription of this.subscriptions) this.sendSubscribe(subscription);
      if (this.everOpened) for (const listener of this.reconnectListeners) listener();
      this.everOpened = true;
    };
    socket.onmessage = (message) => {
      const frame = JSON.parse(String(message.data)) as { type: string };
      if (frame.type !== 'event') return;
      const event = frame as EventFrame;
      for (const subscription of this.subscriptions)
        if (
          subscription.topic === event.topic &&
          (!subscription.runId || subscription.runId === event.event.runId)
        )
          subscription.listener(event);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.subscriptions.size > 0) this.retry = window.setTimeout(() => this.open(), 1000);
    };
  }

  private sendSubscribe(subscription: Subscription): void {
    this.socket?.send(
      JSON.stringify({
        type: 'subscribe',
        topics: [subscription.topic],
        ...(subscription.runId ? { runId: subscription.runId } : {}),
      }),
    );
  }
}

const base64url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

export const events = new EventSocket();
