import type { Catalog } from '../catalog/catalog.js';
import type { CatalogChange } from '../catalog/catalog-entries.js';
import type { Fleet, MembershipChange } from '../fleet/fleet.js';
import type { CircuitChange, StateChange } from '../fleet/upstream-events.js';
import type { ServerFrame, Topic } from './event-frames.js';
import type { ToolCallEvent, ToolCallEvents } from './tool-call-events.js';

export type FrameListener = (frame: ServerFrame) => void;

/**
 * Turns the fleet's, the catalog's and the tool-call emitter's events into event frames by topic
 * and hands each to the listeners of its topic. One hub per API: it listens to its sources once,
 * however many sockets are open. `close` stops listening.
 */
export class EventHub {
  private readonly listeners = new Map<Topic, Set<FrameListener>>();
  private readonly detach: Array<() => void> = [];

  constructor(sources: { fleet: Fleet; catalog: Catalog; toolEvents: ToolCallEvents }) {
    const { fleet, catalog, toolEvents } = sources;
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
  subscribe(topic: Topic, listener: FrameListener): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  close(): void {
    for (const off of this.detach.splice(0)) off();
    this.listeners.clear();
  }

  private publish<T extends Topic>(topic: T, event: Extract<ServerFrame, { topic: T }>['event']): void {
    const frame = { type: 'event', topic, event } as ServerFrame;
    for (const listener of this.listeners.get(topic) ?? []) listener(frame);
  }
}
