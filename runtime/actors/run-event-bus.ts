import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
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

/**
 * Live delivery of run events inside one process, in the order each run emitted them. A
 * listener that throws is logged and kept; it cannot break a run or other listeners.
 */
export class RunEventBus {
  private readonly listeners = new Set<{ listener: RunEventListener; filter: RunEventFilter }>();

  constructor(private readonly logger: Logger = silentLogger) {}

  subscribe(listener: RunEventListener, filter: RunEventFilter = {}): () => void {
    const entry = { listener, filter };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  publish(event: LiveRunEvent): void {
    for (const { listener, filter } of this.listeners) {
      if (filter.runId !== undefined && filter.runId !== event.runId) continue;
      if (filter.agent !== undefined && filter.agent !== event.agent) continue;
      if (filter.types !== undefined && !filter.types.includes(event.type)) continue;
      try {
        listener(event);
      } catch (error) {
        this.logger.warn({ err: error, runId: event.runId, type: event.type }, 'run event listener failed');
      }
    }
  }
}
