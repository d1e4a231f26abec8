import { useState } from 'preact/hooks';
import { api, message } from '../api';
import { json, time } from '../format';
import { useData, useEvents } from '../hooks';
import { useCan } from '../session';
import { activeIds, type MachineNode, Statechart } from '../statechart';
import { Decide } from './approvals';

interface RunEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
  at: string;
}
interface Task {
  runId: string;
  agent: string | null;
  state: string | null;
  status: string | null;
  stateValue: unknown;
  result: unknown;
  error: { code: string; message: string } | null;
  cost: Record<string, number> | null;
  requestedBy: string | null;
  submittedAt: string | null;
  finishedAt: string | null;
  events: RunEvent[];
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/** One run: its live timeline, its statechart with the current state, its tool calls and cost. */
export function RunPage({ runId }: { runId: string }) {
  const canCall = useCan('call');
  const canDecide = useCan('admin');
  const task = useData(() => api<Task>(`/v1/tasks/${encodeURIComponent(runId)}`), [runId]);
  const agent = task.data?.agent;
  const machine = useData(
    () =>
      agent
        ? api<{ machine: MachineNode }>(`/v1/agents/${encodeURIComponent(agent)}/machine`)
        : Promise.resolve(undefined),
    [agent],
  );
  // Every event of this run reloads it: the timeline, status and cost come from one answer.
  useEvents('runs', () => task.reload(), runId);
  const [problem, setProblem] = useState<string>();
  const run = task.data;
  if (!run) return <p class={task.error ? 'error' : 'loading'}>{task.error ?? 'Loading…'}</p>;

  const rootStates = run.events.filter((e) => e.type === 'state_entered' && e.data.actor === 'root');
  const root = machine.data?.machine;
  // The persisted state value is the run's current state (a final state emits no event of its own).
  const current = run.stateValue ?? rootStates.at(-1)?.data.state;
  const active = root ? activeIds(root.id, current) : new Set<string>();
  const visited = new Set<string>();
  if (root)
    for (const event of rootStates) for (const id of activeIds(root.id, event.data.state)) visited.add(id);
  const calls = toolCalls(run.events);
  const act = (path: string, method: string) =>
    api(path, { method, body: {} }).then(
      () => task.reload(),
      (failure: unknown) => setProblem(message(failure)),
    );

  return (
    <section class="run">
      <h1>
        {run.agent} <small>{run.runId}</small>
      </h1>
      <p class="summary">
        <span class={`badge status-${run.status}`} data-testid="run-status">
          {run.status ?? run.state ?? 'unknown'}
        </span>{' '}
        requested by {run.requestedBy ?? '—'} · submitted {time(run.submittedAt)} · finished{' '}
        {time(run.finishedAt)}
      </p>
      {run.cost && (
        <p class="cost" data-testid="cost">
          {Object.entries(run.cost)
            .map(
              ([name, value]) =>
                `${name}: ${typeof value === 'number' ? Number(value.toFixed(6)) : String(value)}`,
            )
            .join(' · ')}
        </p>
      )}
      <div class="actions">
        {canCall && !FINAL.has(run.status ?? '') && (
          <button
            type="button"
            class="danger"
            onClick={() => void act(`/v1/tasks/${encodeURIComponent(runId)}`, 'DELETE')}
          >
            Cancel
          </button>
        )}
        {canCall && run.status === 'failed' && (
          <button
            type="button"
            onClick={() => void act(`/v1/tasks/${encodeURIComponent(runId)}/retry`, 'POST')}
          >
            Retry
          </button>
        )}
        {canDecide && run.status === 'awaiting_approval' && (
          <Decide runId={runId} onDone={() => task.reload()} />
        )}
      </div>
      {problem && <p class="error">{problem}</p>}
      {run.error && (
        <p class="error">
          {run.error.code}: {run.error.message}
        </p>
      )}
      <div class="split">
        <div>
          <h2>Statechart</h2>
          {root ? (
            <Statechart node={root} active={active} visited={visited} />
          ) : (
            <p class="hint">{machine.error ?? '…'}</p>
          )}
        </div>
        <div>
          <h2>Tool calls</h2>
          <ol class="calls" data-testid="tool-calls">
            {calls.map((call) => (
              <li key={call.seq} data-tool={call.tool} class={call.isError ? 'is-error' : ''}>
                <strong>{call.tool}</strong>{' '}
                {call.durationMs !== undefined && <small>{Math.round(call.durationMs)} ms</small>}
                <pre>{json(call.arguments)}</pre>
                {call.preview !== undefined && <pre class="preview">{String(call.preview)}</pre>}
              </li>
            ))}
          </ol>
        </div>
      </div>
      <h2>Timeline</h2>
      <ol class="timeline" data-testid="timeline">
        {run.events.map((event) => (
          <li key={event.seq} data-type={event.type}>
            <span class="seq">{event.seq}</span> <strong>{event.type}</strong> <small>{time(event.at)}</small>
            {Object.keys(event.data).length > 0 && (
              // Folded: a run has dozens of events, and their data is for the one a person opens.
              <details>
                <summary>data</summary>
                <pre>{json(event.data)}</pre>
              </details>
            )}
          </li>
        ))}
      </ol>
      {run.result !== null && run.result !== undefined && (
        <>
          <h2>Result</h2>
          <pre>{json(run.result)}</pre>
        </>
      )}
    </section>
  );
}

/** Tool calls from the run's events: each started call with its arguments and how it finished. */
function toolCalls(events: RunEvent[]) {
  const calls = new Map<
    string,
    {
      seq: number;
      tool: string;
      arguments: unknown;
      isError?: boolean;
      durationMs?: number;
      preview?: unknown;
    }
  >();
  for (const event of events) {
    const key = String(event.data.key ?? event.seq);
    if (event.type === 'tool_call_started')
      calls.set(key, { seq: event.seq, tool: String(event.data.tool), arguments: event.data.arguments });
    if (event.type === 'tool_call_finished') {
      const call = calls.get(key) ?? { seq: event.seq, tool: String(event.data.tool), arguments: undefined };
      calls.set(key, {
        ...call,
        isError: event.data.isError === true,
        durationMs: Number(event.data.durationMs ?? 0),
        ...(event.data.preview === undefined ? {} : { preview: event.data.preview }),
      });
    }
  }
  return [...calls.values()];
}
