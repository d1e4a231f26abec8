/** Per-server totals read from the Prometheus text of /metrics (the figures it exposes). */
export interface ServerTotals {
  calls: number;
  seconds: number;
}

const SAMPLE =
  /^(switchyard_tool_calls_total|switchyard_tool_call_duration_seconds_sum)\{([^}]*)\}\s+([0-9.eE+-]+)$/;

export function parseMetrics(text: string): Map<string, ServerTotals> {
  const totals = new Map<string, ServerTotals>();
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line.trim());
    if (!match) continue;
    const server = /server="((?:[^"\\]|\\.)*)"/.exec(match[2]!)?.[1];
    if (server === undefined) continue;
    const entry = totals.get(server) ?? { calls: 0, seconds: 0 };
    if (match[1] === 'switchyard_tool_calls_total') entry.calls += Number(match[3]);
    else entry.seconds += Number(match[3]);
    totals.set(server, entry);
  }
  return totals;
}

/** One point of a server's charts: calls a second and mean latency (ms) over the last interval. */
export interface Point {
  rate: number;
  latencyMs: number;
}

export function pointsBetween(
  before: Map<string, ServerTotals>,
  after: Map<string, ServerTotals>,
  seconds: number,
) {
  const points = new Map<string, Point>();
  for (const [server, now] of after) {
    const then = before.get(server) ?? { calls: 0, seconds: 0 };
    const calls = Math.max(0, now.calls - then.calls);
    points.set(server, {
      rate: calls / seconds,
      latencyMs: calls > 0 ? ((now.seconds - then.seconds) / calls) * 1000 : 0,
    });
  }
  return points;
}
