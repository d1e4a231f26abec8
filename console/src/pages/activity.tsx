import { useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { json, time } from '../format';
import { useData, useInterval } from '../hooks';
import { parseMetrics, type Point, pointsBetween, type ServerTotals } from '../metrics';
import { useCan } from '../session';

interface AuditEntry {
  id: number;
  source: string;
  key: string | null;
  tool: string;
  server: string | null;
  startedAt: string;
  durationMs: number;
  outcome: string;
  error: string | null;
  arguments: unknown;
}

const HISTORY = 30;
const EVERY_MS = 2000;

/** Calls/s and latency per server (from /metrics), and the audit log searched by key, tool, outcome. */
export function ActivityPage() {
  return (
    <section>
      <h1>Activity</h1>
      <Charts />
      {useCan('admin') ? <Audit /> : <p class="hint">The audit log needs the admin scope.</p>}
    </section>
  );
}

function Charts() {
  const last = useRef<{ totals: Map<string, ServerTotals>; at: number } | undefined>(undefined);
  const [series, setSeries] = useState<Map<string, Point[]>>(new Map());
  const [problem, setProblem] = useState<string>();
  const sample = () =>
    api<string>('/metrics').then(
      (text) => {
        const totals = parseMetrics(text);
        const at = performance.now();
        if (last.current) {
          const points = pointsBetween(last.current.totals, totals, (at - last.current.at) / 1000);
          setSeries((previous) => {
            const next = new Map(previous);
            for (const [server, point] of points)
              next.set(server, [...(next.get(server) ?? []), point].slice(-HISTORY));
            return next;
          });
        }
        last.current = { totals, at };
        setProblem(undefined);
      },
      (failure: unknown) => setProblem(String(failure)),
    );
  useInterval(() => void sample(), EVERY_MS);
  return (
    <div class="charts">
      {problem && <p class="error">{problem}</p>}
      {series.size === 0 && <p class="hint">Sampling /metrics every {EVERY_MS / 1000} s…</p>}
      {[...series].map(([server, points]) => (
        <div class="chart card" key={server} data-server={server}>
          <strong>{server}</strong>
          <Sparkline label="calls/s" values={points.map((p) => p.rate)} />
          <Sparkline label="ms" values={points.map((p) => p.latencyMs)} />
        </div>
      ))}
    </div>
  );
}

function Sparkline({ label, values }: { label: string; values: number[] }) {
  const width = 160;
  const height = 36;
  const max = Math.max(...values, 1e-9);
  const step = width / Math.max(1, HISTORY - 1);
  const points = values
    .map((value, i) => `${(i * step).toFixed(1)},${(height - (value / max) * (height - 2) - 1).toFixed(1)}`)
    .join(' ');
  const latest = values.at(-1) ?? 0;
  return (
    <figure class="sparkline">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="img"
        aria-label={`${label} chart`}
      >
        <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
      </svg>
      <figcaption>
        {latest.toFixed(latest < 10 ? 2 : 0)} {label}
      </figcaption>
    </figure>
  );
}

function Audit() {
  const [key, setKey] = useState('');
  const [tool, setTool] = useState('');
  const [outcome, setOutcome] = useState('');
  const query = new URLSearchParams({
    limit: '100',
    ...(key ? { key } : {}),
    ...(tool ? { tool } : {}),
    ...(outcome ? { outcome } : {}),
  });
  const audit = useData(() => api<{ entries: AuditEntry[] }>(`/v1/audit?${query}`), [key, tool, outcome]);
  return (
    <>
      <h2>Audit log</h2>
      <div class="filters">
        <input
          aria-label="key"
          placeholder="key"
          value={key}
          onChange={(e) => setKey(e.currentTarget.value)}
        />
        <input
          aria-label="tool"
          placeholder="tool"
          value={tool}
          onChange={(e) => setTool(e.currentTarget.value)}
        />
        <select aria-label="outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
          <option value="">every outcome</option>
          <option>ok</option>
          <option>tool_error</option>
          <option>error</option>
        </select>
      </div>
      {audit.error && <p class="error">{audit.error}</p>}
      <div class="table-wrap">
        <table class="audit">
          <thead>
            <tr>
              <th>When</th>
              <th>Key</th>
              <th>Tool</th>
              <th>Outcome</th>
              <th>ms</th>
              <th>Arguments</th>
            </tr>
          </thead>
          <tbody>
            {(audit.data?.entries ?? []).map((entry) => (
              <tr key={entry.id}>
                <td>{time(entry.startedAt)}</td>
                <td>{entry.key ?? 'anonymous'}</td>
                <td>{entry.tool}</td>
                <td class={`outcome-${entry.outcome}`} title={entry.error ?? ''}>
                  {entry.outcome}
                </td>
                <td>{entry.durationMs}</td>
                <td>
                  <code>{json(entry.arguments).slice(0, 200)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
