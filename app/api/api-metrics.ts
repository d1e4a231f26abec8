import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type Fleet, UPSTREAM_STATES } from '#bridge/fleet';
import type { ToolCallEvent } from './tool-call-events.js';

/**
 * The bridge's Prometheus metrics in a Registry of their own (not prom-client's global one, so two
 * APIs in one process, as in tests, do not collide). Tool-call metrics come from finished
 * tool-call events; upstream states and restarts are read from the fleet at each scrape.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly calls: Counter<'server' | 'tool' | 'outcome'>;
  private readonly duration: Histogram<'server' | 'tool'>;
  private readonly errors: Counter<'server' | 'tool' | 'kind'>;

  constructor(fleet: Fleet) {
    const registers = [this.registry];
    this.calls = new Counter({
      name: 'switchyard_tool_calls_total',
      help: 'Tool calls, by server, tool and outcome (ok, tool_error, error).',
      labelNames: ['server', 'tool', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'switchyard_tool_call_duration_seconds',
      help: 'Duration of tool calls, by server and tool.',
      labelNames: ['server', 'tool'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.errors = new Counter({
      name: 'switchyard_tool_call_errors_total',
      help: 'Failed tool calls (tool_error for an isError result, else the error code), by server and tool.',
      labelNames: ['server', 'tool', 'kind'],
      registers,
    });
    new Gauge({
      name: 'switchyard_upstream_state',
      help: 'The state of each upstream: 1 for its current state, 0 for the others.',
      labelNames: ['server', 'state'],
      registers,
      collect() {
        this.reset();
        for (const info of fleet.list())
          for (const state of UPSTREAM_STATES)
            this.set({ server: info.name, state }, info.state === state ? 1 : 0);
      },
    });
    new Counter({
      name: 'switchyard_upstream_restarts_total',
      help: 'Restart attempts of each upstream since it was added.',
      labelNames: ['server'],
      registers,
      collect() {
        // The fleet keeps the count; a counter never goes down, and neither does `restarts`.
        this.reset();
        for (const info of fleet.list()) this.inc({ server: info.name }, info.restarts);
      },
    });
  }

  /**
   * Counts a finished call. Calls to unknown tools (no server) are not counted: their names come
   * from clients, and one label set per made-up name would grow without bound.
   */
  observe(event: ToolCallEvent): void {
    if (event.phase !== 'finished' || event.server === null) return;
    const labels = { server: event.server, tool: event.tool };
    this.calls.inc({ ...labels, outcome: event.outcome });
    this.duration.observe(labels, event.durationMs / 1000);
    if (event.outcome !== 'ok')
      this.errors.inc({
        ...labels,
        kind: event.outcome === 'tool_error' ? 'tool_error' : (event.errorKind ?? 'error'),
      });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
