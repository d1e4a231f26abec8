import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { fetchSession, message, type Session, storedKey, storeKey } from './api';
import { events } from './events';
import { ActivityPage } from './pages/activity';
import { ApprovalsPage } from './pages/approvals';
import { CatalogPage } from './pages/catalog';
import { FleetPage } from './pages/fleet';
import { RunPage } from './pages/run';
import { RunsPage } from './pages/runs';
import { SignIn } from './pages/sign-in';
import { linkHandler, useRoute } from './router';
import { SessionContext } from './session';
import './styles.css';

const PAGES = [
  ['fleet', 'Fleet'],
  ['catalog', 'Catalog'],
  ['runs', 'Runs'],
  ['approvals', 'Approvals'],
  ['activity', 'Activity'],
] as const;

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    // An open API (loopback, no keys) answers without a key: the console opens directly.
    fetchSession(storedKey()).then(
      (answer) => setSession(answer.name === null ? null : answer),
      (failure: unknown) => {
        if (storedKey()) setError(message(failure));
        storeKey(null);
        setSession(null);
      },
    );
  }, []);
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null)
    return (
      <SignIn
        error={error}
        onSignedIn={(next, key) => {
          storeKey(key);
          setError(undefined);
          setSession(next);
        }}
      />
    );
  const signOut = () => {
    storeKey(null);
    events.close();
    setSession(null);
  };
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} onSignOut={signOut} />
    </SessionContext.Provider>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const [page, id] = route.split('/');
  const current = page || 'fleet';
  return (
    <div class="shell">
      <header>
        <strong class="brand">Switchyard</strong>
        <nav>
          {PAGES.map(([path, label]) => (
            <a
              href={`/console/${path}`}
              class={current === path ? 'active' : ''}
              onClick={linkHandler(path)}
              key={path}
            >
              {label}
            </a>
          ))}
        </nav>
        <span class="who" data-testid="who">
          {session.name} · {session.scopes.join(', ')}
          {!session.open && (
            <button type="button" class="link" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </span>
      </header>
      <main>
        {current === 'fleet' && <FleetPage />}
        {current === 'catalog' && <CatalogPage selected={id} />}
        {current === 'runs' && (id ? <RunPage runId={id} /> : <RunsPage />)}
        {current === 'approvals' && <ApprovalsPage />}
        {current === 'activity' && <ActivityPage />}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
