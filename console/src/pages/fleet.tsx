import { useState } from 'preact/hooks';
import { api, message } from '../api';
import { ago } from '../format';
import { useData, useEvents } from '../hooks';
import { useCan } from '../session';

/** The listed row, or the state an event reported since, whichever is newer. */
const newer = (listed: ServerInfo, event: { state: string; reason: string; since: number } | undefined) =>
  event && event.since > listed.since ? { ...listed, ...event } : listed;

interface ServerInfo {
  name: string;
  transport: string;
  state: string;
  reason: string;
  since: number;
  restarts: number;
  lastError?: string;
  pid?: number;
  circuit: string;
}

/** Every upstream with its state, live: a `servers` event reloads the list. */
export function FleetPage() {
  const admin = useCan('admin');
  const servers = useData(() => api<{ servers: ServerInfo[] }>('/v1/servers'), []);
  const tools = useData(() => api<{ tools: Array<{ server: string }> }>('/v1/tools'), []);
  const [problem, setProblem] = useState<string>();
  // The event's new state shows at once (a restart may take only milliseconds); the reload then
  // brings the rest of the row (restarts, last error, pid).
  const [live, setLive] = useState<Record<string, { state: string; reason: string; since: number }>>({});
  useEvents('servers', (frame) => {
    const event = frame.event as { kind?: string; name?: string; to?: string; reason?: string; at?: number };
    if (event.kind === 'state' && event.name && event.to)
      setLive((previous) => ({
        ...previous,
        [event.name!]: { state: event.to!, reason: event.reason ?? '', since: event.at ?? Date.now() },
      }));
    servers.reload();
  });
  useEvents('catalog', () => tools.reload());
  const counts = new Map<string, number>();
  for (const tool of tools.data?.tools ?? []) counts.set(tool.server, (counts.get(tool.server) ?? 0) + 1);
  const act = (name: string, action: 'restart' | 'stop') =>
    api(`/v1/servers/${encodeURIComponent(name)}/${action}`, { method: 'POST', body: {} }).then(
      () => servers.reload(),
      (failure: unknown) => setProblem(message(failure)),
    );
  return (
    <section>
      <h1>Fleet</h1>
      {(servers.error || problem) && <p class="error">{servers.error ?? problem}</p>}
      <div class="table-wrap">
        <table class="fleet">
          <thead>
            <tr>
              <th>Server</th>
              <th>State</th>
              <th>Transport</th>
              <th>Restarts</th>
              <th>Circuit</th>
              <th>Tools</th>
              <th>Last error</th>
              {admin && <th>Actions</th>}
            </tr>
          </thead>
          <tbody>
            {(servers.data?.servers ?? []).map((listed) => {
              const server = newer(listed, live[listed.name]);
              return (
                <tr key={server.name} data-server={server.name}>
                  <td>
                    <strong>{server.name}</strong>
                    {server.pid !== undefined && <small> pid {server.pid}</small>}
                  </td>
                  <td>
                    <span class={`badge state-${server.state}`} data-testid="state" title={server.reason}>
                      {server.state}
                    </span>
                    <small> {ago(server.since)}</small>
                  </td>
                  <td>{server.transport}</td>
                  <td>{server.restarts}</td>
                  <td>{server.circuit}</td>
                  <td>{counts.get(server.name) ?? 0}</td>
                  <td class="wrap">{server.lastError ?? '—'}</td>
                  {admin && (
                    <td class="actions">
                      <button type="button" onClick={() => void act(server.name, 'restart')}>
                        Restart
                      </button>
                      <button type="button" class="danger" onClick={() => void act(server.name, 'stop')}>
                        Disable
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
