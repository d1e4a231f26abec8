import { type Logger, silentLogger } from '#core';
import type { RunEvent } from './run-records.js';

/** An event as it goes out live: the stored event plus the run's agent, for filtering by agent. */
export interface LiveRunEvent extends RunEvent {
  agent: string;
}

export type RunEventListener = (event: LiveRunEvent) => void;

export interface RunEventFilter {
  runId?: string;
  agent?: string;
  types?: string[];
}

/** One subscription; `order` is its rank among every subscription of the bus, oldest first. */
interface Entry {
  readonly listener: RunEventListener;
  readonly order: number;
  /** Checked at delivery: the run or agent the entry is indexed by is already known to match. */
  readonly agent: string | undefined;
  readonly types: ReadonlySet<string> | undefined;
  active: boolean;
}

/**
 * Live delivery of run events inside one process, in the order each run emitted them. A
 * listener that throws is logged and kept; it cannot break a run or other listeners.
 *
 * Listeners are indexed by the run they follow, else by the agent, else kept as unfiltered, so
 * an event visits only the listeners that can match it: a bridge whose clients follow tens of
 * thousands of runs does not test each event against every one of them. The listeners of one
 * event are still called in the order they subscribed, whichever index holds them. A listener
 * added while an event is being delivered receives the next event, not that one.
 */
export class RunEventBus {
  private readonly byRun = new Map<string, Set<Entry>>();
  private readonly byAgent = new Map<string, Set<Entry>>();
  private readonly unfiltered = new Set<Entry>();
  private nextOrder = 0;
  private count = 0;

  constructor(private readonly logger: Logger = silentLogger) {}

  /** How many listeners are subscribed (for tests and metrics). */
  get listenerCount(): number {
    return this.count;
  }

  /**
   * Calls `listener` with every event that matches all of `filter`'s fields (none: every event).
   * The filter is read once, here. Returns the function that unsubscribes; calling it again does
   * nothing.
   */
  subscribe(listener: RunEventListener, filter: RunEventFilter = {}): () => void {
    const { runId, agent, types } = filter;
    const entry: Entry = {
      listener,
      order: this.nextOrder++,
      // Indexed by run, the entry still has its agent checked; indexed by agent, it need not be.
      agent: runId !== undefined ? agent : undefined,
      types: types === undefined ? undefined : new Set(types),
      active: true,
    };
    const [index, key] =
      runId !== undefined
        ? [this.byRun, runId]
        : agent !== undefined
          ? [this.byAgent, agent]
          : [undefined, undefined];
    let set = this.unfiltered;
    if (index && key !== undefined) {
      set = index.get(key) ?? new Set();
      index.set(key, set);
    }
    set.add(entry);
    this.count += 1;
    return () => {
      if (!entry.active) return;
      entry.active = false;
      this.count -= 1;
      set.delete(entry);
      // Drop the emptied bucket, or a bus that followed many finished runs keeps a key for each.
      if (index && key !== undefined && set.size === 0 && index.get(key) === set) index.delete(key);
    };
  }

  publish(event: LiveRunEvent): void {
    for (const entry of this.candidates(event)) {
      // Unsubscribed by an earlier listener of this same event.
      if (!entry.active) continue;
      if (entry.agent !== undefined && entry.agent !== event.agent) continue;
      if (entry.types !== undefined && !entry.types.has(event.type)) continue;
      try {
        entry.listener(event);
      } catch (error) {
        this.logger.warn({ err: error, runId: event.runId, type: event.type }, 'run event listener failed');
      }
    }
  }

  /** The entries that may match `event`, oldest subscription first (a snapshot). */
  private candidates(event: LiveRunEvent): Entry[] {
    const entries: Entry[] = [];
    let buckets = 0;
    for (const set of [this.byRun.get(event.runId), this.byAgent.get(event.agent), this.unfiltered]) {
      if (!set || set.size === 0) continue;
      buckets += 1;
      for (const entry of set) entries.push(entry);
    }
    // Each set iterates in subscription order; only entries from several need merging.
    if (buckets > 1) entries.sort((a, b) => a.order - b.order);
    return entries;
  }
}
