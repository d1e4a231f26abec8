import { useState } from 'preact/hooks';
import { fetchSession, message, type Session } from '../api';

/** Asks for an API key once; it is kept for this tab only (sessionStorage). */
export function SignIn({
  error,
  onSignedIn,
}: {
  error: string | undefined;
  onSignedIn: (session: Session, key: string) => void;
}) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState(error);
  const [busy, setBusy] = useState(false);
  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    fetchSession(key.trim()).then(
      (session) => onSignedIn(session, key.trim()),
      (failure: unknown) => {
        setProblem(message(failure));
        setBusy(false);
      },
    );
  };
  return (
    <form class="sign-in card" onSubmit={submit}>
      <h1>Switchyard console</h1>
      <label>
        API key
        <input
          type="password"
          name="key"
          autocomplete="off"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          required
        />
      </label>
      <p class="hint">Kept for this tab only. Its scopes (read, call, admin) decide what you can do.</p>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" disabled={busy || key.trim() === ''}>
        Sign in
      </button>
    </form>
  );
}
