import type { Disclosure } from '#bridge/access';
import {
  type ClientFrame,
  isRunTopic,
  type RunFilter,
  type RunTopic,
  type ServerFrame,
  type Topic,
} from './event-frames.js';
import type { EventHub, FrameListener } from './event-hub.js';

type SubscribeFrame = Extract<ClientFrame, { type: 'subscribe' }>;
type UnsubscribeFrame = Extract<ClientFrame, { type: 'unsubscribe' }>;

export interface SocketSubscriptionsOptions {
  /** Subscriptions the socket may hold: each plain topic counts once, each run-topic filter once. */
  max: number;
  /** What the socket's key may see of run events. */
  disclosure: Disclosure;
  /** Where the socket's event frames go. */
  send: FrameListener;
}

/**
 * The subscriptions of one WebSocket of `/v1/events`: applies its subscribe and unsubscribe
 * frames to the hub within the socket's cap, and answers each with the frame to send back.
 * `close` ends them all.
 */
export class SocketSubscriptions {
  private readonly topics = new Map<Exclude<Topic, RunTopic>, () => void>();
  // Run topics: one subscription per distinct filter, keyed by topic + filter.
  private readonly runs = new Map<string, { topic: RunTopic; off: () => void }>();

  constructor(
    private readonly hub: EventHub,
    private readonly options: SocketSubscriptionsOptions,
  ) {}

  /** How many subscriptions the socket holds. */
  get size(): number {
    return this.topics.size + this.runs.size;
  }

  /**
   * Adds what the frame names and the socket lacks, or nothing at all: a frame that would take
   * the socket past its cap, or that names a run topic when the API has no task service, is
   * answered with an error frame and changes nothing.
   */
  subscribe(frame: SubscribeFrame): ServerFrame {
    const topics = [...new Set(frame.topics)];
    if (topics.some(isRunTopic) && !this.hub.hasRunTopics)
      return {
        type: 'error',
        code: 'unavailable',
        message: 'the runs and approvals topics need the task service',
      };
    const filter: RunFilter = {
      ...(frame.runId === undefined ? {} : { runId: frame.runId }),
      ...(frame.agent === undefined ? {} : { agent: frame.agent }),
    };
    const missing = topics.filter((topic) =>
      isRunTopic(topic) ? !this.runs.has(runKey(topic, filter)) : !this.topics.has(topic),
    );
    const { max } = this.options;
    if (this.size + missing.length > max)
      return {
        type: 'error',
        code: 'limit_exceeded',
        message:
          `subscription limit: a socket holds at most ${max} subscriptions; it holds ${this.size} ` +
          `and this frame would add ${missing.length}, so none was added`,
      };
    for (const topic of missing) {
      if (isRunTopic(topic)) {
        const off = this.hub.subscribeRuns(topic, filter, this.options.disclosure, this.options.send);
        if (off) this.runs.set(runKey(topic, filter), { topic, off });
      } else this.topics.set(topic, this.hub.subscribe(topic, this.options.send));
    }
    return { type: 'subscribed', topics, ...filter, added: missing.length, subscriptions: this.size };
  }

  /** Ends the frame's topics; for a run topic, every subscription of it, whatever its filter. */
  unsubscribe(frame: UnsubscribeFrame): ServerFrame {
    const topics = [...new Set(frame.topics)];
    const before = this.size;
    for (const topic of topics) {
      if (isRunTopic(topic)) {
        for (const [key, entry] of this.runs)
          if (entry.topic === topic) {
            entry.off();
            this.runs.delete(key);
          }
      } else {
        this.topics.get(topic)?.();
        this.topics.delete(topic);
      }
    }
    return { type: 'unsubscribed', topics, removed: before - this.size, subscriptions: this.size };
  }

  /** Ends every subscription (the socket closed or is closing). */
  close(): void {
    for (const off of this.topics.values()) off();
    this.topics.clear();
    for (const { off } of this.runs.values()) off();
    this.runs.clear();
  }
}

function runKey(topic: RunTopic, filter: RunFilter): string {
  return JSON.stringify([topic, filter.runId ?? null, filter.agent ?? null]);
}
