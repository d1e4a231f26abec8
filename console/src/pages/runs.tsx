import { useState } from 'preact/hooks';
import { api, message } from '../api';
import { time } from '../format';
import { useData, useEvents } from '../hooks';
import { linkHandler, navigate } from '../router';
import { useCan } from '../session';

export interface RunSummary {
  runId: string;
  agent: string;
  status: string;
  requestedBy: string | null;
  createdAt: string;
  updatedAt: string;
  cost: Record<string, number>;
}
interface Agent {
  name: string;
  description: string;
}

const STATUSES = [
  '',
  'queued',
  'running',
  'awaiting_approval',
  'needs_attention',
  'completed',
  'failed',
  'cancelled',
];
const SINCE: Array<[string, number]> = [
  ['any time', 0],
  ['last hour', 3_600_000],
  ['last day', 86_400_000],
];

/** Runs, filtered by agent, status, who asked and when; a form to submit a task (call scope). */
export function RunsPage() {
  const [agent, setAgent] = useState('');
  const [status, setStatus] = useState('');
  const [who, setWho] = useState('');
  const [since, setSince] = useState(0);
  const query = new URLSearchParams({
    limit: '200',
    ...(agent ? { agent } : {}),
    ...(status ? { state: status } : {}),
  });
  const runs = useData(() => api<{ runs: RunSummary[] }>(`/v1/runs?${query}`), [agent, status]);
  const agents = useData(() => api<{ agents: Agent[] }>('/v1/agents'), []);
  useEvents('runs', () => runs.reload());
  const shown = (runs.data?.runs ?? []).filter(
    (run) =>
      (!who || (run.requestedBy ?? '').includes(who)) &&
      (!since || Date.parse(run.createdAt) >= Date.now() - since),
  );
  return (
    <section>
      <h1>Runs</h1>
      {useCan('call') && <SubmitTask agents={agents.data?.agents ?? []} />}
      <div class="filters">
        <select aria-label="agent" value={agent} onChange={(e) => setAgent(e.currentTarget.value)}>
          <option value="">every agent</option>
          {(agents.data?.agents ?? []).map((a) => (
            <option key={a.name}>{a.name}</option>
          ))}
        </select>
        <select aria-label="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || 'every status'}
            </option>
          ))}
        </select>
        <input
          aria-label="requested by"
          placeholder="requested by"
          value={who}
          onInput={(e) => setWho(e.currentTarget.value)}
        />
        <select aria-label="since" value={since} onChange={(e) => setSince(Number(e.currentTarget.value))}>
          {SINCE.map(([label, ms]) => (
            <option key={ms} value={ms}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {runs.error && <p class="error">{runs.error}</p>}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Run</th>
              <th>Agent</th>
              <th>Status</th>
              <th>Requested by</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => (
              <tr key={run.runId} data-run={run.runId}>
                <td>
                  <a href={`/console/runs/${run.runId}`} onClick={linkHandler(`runs/${run.runId}`)}>
                    {run.runId.slice(0, 8)}
                  </a>
                </td>
                <td>{run.agent}</td>
                <td>
                  <span class={`badge status-${run.status}`}>{run.status}</span>
                </td>
                <td>{run.requestedBy ?? '—'}</td>
                <td>{time(run.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function SubmitTask({ agents }: { agents: Agent[] }) {
  const [agent, setAgent] = useState('');
  const [input, setInput] = useState('{}');
  const [problem, setProblem] = useState<string>();
  const submit = (event: Event) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      return setProblem('the input is not valid JSON');
    }
    api<{ runId: string }>('/v1/tasks', {
      method: 'POST',
      body: { agent: agent || agents[0]?.name, input: parsed },
    }).then(
      (answer) => navigate(`runs/${answer.runId}`),
      (failure: unknown) => setProblem(message(failure)),
    );
  };
  return (
    <form class="submit card" onSubmit={submit}>
      <h2>Submit a task</h2>
      <label>
        Agent
        <select name="agent" value={agent} onChange={(e) => setAgent(e.currentTarget.value)}>
          {agents.map((a) => (
            <option key={a.name} value={a.name} title={a.description}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Input (JSON)
        <textarea name="input" rows={3} value={input} onInput={(e) => setInput(e.currentTarget.value)} />
      </label>
      {problem && <p class="error">{problem}</p>}
      <button type="submit">Submit</button>
    </form>
  );
}
