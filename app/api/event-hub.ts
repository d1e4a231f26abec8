import type { Catalog, CatalogChange } from '#bridge/catalog';
import type { Fleet, MembershipChange, CircuitChange, StateChange } from '#bridge/fleet';
import type { LiveRunEvent } from '#runtime/actors';
import { toRelayed } from '#runtime/queue';
import type { TaskService } from '#bridge/tasks';
import { type Disclosure, discloseEvent } from '#bridge/access';
import {
  APPROVAL_EVENT_TYPES,
  type RunEventFrame,
  type RunFilter,
  type RunTopic,
  type ServerFrame,
  type Topic,
} from './event-frames.js';
import type { ToolCallEvent, ToolCallEvents } from './tool-call-events.js';

export type FrameListener = (frame: ServerFrame) => void;

/** The frame form of a live run event (its wire form, as the relays send it). */
export function runEventFrame(event: LiveRunEvent): RunEventFrame {
  return toRelayed(event);
}

/**
 * Turns the fleet's, the catalog's and the tool-call emitter's events into event frames by topic
 * and hands each to the listeners of its topic. One hub per API: it listens to its sources once,
 * however many sockets are open. `close` stops listening.
 *
 * The run topics are different: each subscription is a filtered listener on the task service's
 * run events (the run event bus filters by run and agent itself, and keeps each run's order), and
 * its events are disclosed as its subscriber may see them (disclosure.ts).
 */
export class EventHub {
  private readonly listeners = new Map<Topic, Set<FrameListener>>();
  private readonly detach: Array<() => void> = [];
  private readonly runSubscriptions = new Set<() => void>();
  private readonly tasks: TaskService | undefined;

  constructor(sources: { fleet: Fleet; catalog: Catalog; toolEvents: ToolCallEvents; tasks?: TaskService }) {
    const { fleet, catalog, toolEvents } = sources;
    this.tasks = sources.tasks;
    const onState = (change: StateChange) => this.publish('servers', { kind: 'state', ...change });
    const onCircuit = (change: CircuitChange) => this.publish('servers', { kind: 'circuit', ...change });
    const onMembership = (change: MembershipChange) =>
      this.publish('servers', { kind: 'membership', ...change });
    fleet.on('state', onState);
    fleet.on('circuit', onCircuit);
    fleet.on('membership', onMembership);
    this.detach.push(() => {
      fleet.off('state', onState);
      fleet.off('circuit', onCircuit);
      fleet.off('membership', onMembership);
    });
    this.detach.push(
      catalog.onChanged((change: CatalogChange) => this.publish('catalog', { kinds: change.kinds })),
    );
    this.detach.push(toolEvents.onCall((event: ToolCallEvent) => this.publish('tools', event)));
  }

  /** Adds `listener` to `topic`; returns the function that removes it. */
  subscribe(topic: Exclude<Topic, RunTopic>, listener: FrameListener): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Whether the run topics can be subscribed to (the API was given a task service). */
  get hasRunTopics(): boolean {
    return this.tasks !== undefined;
  }

  /**
   * Adds `listener` to a run topic, narrowed by `filter`; returns the function that removes it,
   * or undefined when the API has no task service.
   *
   * Security: run events carry tool arguments and result previews, so every event is passed
   * through `disclosure` (the subscriber's) before `listener` sees it; there is no way to
   * subscribe without one.
   */
  subscribeRuns(
    topic: RunTopic,
    filter: RunFilter,
    disclosure: Disclosure,
    listener: FrameListener,
  ): (() => void) | undefined {
    if (!this.tasks) return undefined;
    const off = this.tasks.subscribe(
      (event) => listener({ type: 'event', topic, event: discloseEvent(runEventFrame(event), disclosure) }),
      {
        ...filter,
        ...(topic === 'approvals' ? { types: APPROVAL_EVENT_TYPES } : {}),
      },
    );
    const remove = () => {
      off();
      this.runSubscriptions.delete(remove);
    };
    this.runSubscriptions.add(remove);
    return remove;
  }

  close(): void {
    for (const off of this.detach.splice(0)) off();
    for (const off of [...this.runSubscriptions]) off();
    this.listeners.clear();
  }

  private publish<T extends Topic>(topic: T, event: Extract<ServerFrame, { topic: T }>['event']): void {
    const frame = { type: 'event', topic, event } as ServerFrame;
    for (const listener of this.listeners.get(topic) ?? []) listener(frame);
  }
}
