import { useState } from 'preact/hooks';
import { api, message } from '../api';
import { time } from '../format';
import { useData, useEvents } from '../hooks';
import { linkHandler } from '../router';
import { useCan } from '../session';

interface Approval {
  id: string;
  runId: string;
  what: string;
  why: string;
  requestedBy?: string;
  requestedAt: string;
  expiresAt?: string;
  state: string;
}

/** Pending approvals, live; an admin approves or rejects each with a reason. */
export function ApprovalsPage() {
  const admin = useCan('admin');
  const approvals = useData(() => api<{ approvals: Approval[] }>('/v1/approvals?state=pending'), []);
  useEvents('approvals', () => approvals.reload());
  const list = approvals.data?.approvals ?? [];
  return (
    <section>
      <h1>Approvals</h1>
      {approvals.error && <p class="error">{approvals.error}</p>}
      {list.length === 0 && <p class="hint">Nothing waits for a decision.</p>}
      <ul class="approvals">
        {list.map((approval) => (
          <li class="card" key={approval.id} data-run={approval.runId}>
            <h2>{approval.what}</h2>
            <p>{approval.why}</p>
            <p class="meta">
              run{' '}
              <a href={`/console/runs/${approval.runId}`} onClick={linkHandler(`runs/${approval.runId}`)}>
                {approval.runId.slice(0, 8)}
              </a>{' '}
              · asked by {approval.requestedBy ?? '—'} at {time(approval.requestedAt)} · expires{' '}
              {time(approval.expiresAt)}
            </p>
            {admin ? (
              <Decide runId={approval.runId} onDone={() => approvals.reload()} />
            ) : (
              <p class="hint">Deciding needs the admin scope.</p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Approve / reject buttons with a reason (admin). */
export function Decide({ runId, onDone }: { runId: string; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string>();
  const decide = (verdict: 'approve' | 'reject') =>
    api(`/v1/runs/${encodeURIComponent(runId)}/${verdict}`, {
      method: 'POST',
      body: reason.trim() ? { reason: reason.trim() } : {},
    }).then(onDone, (failure: unknown) => setProblem(message(failure)));
  return (
    <div class="decide">
      <input
        aria-label="reason"
        placeholder="reason"
        maxLength={2000}
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
      />
      <button type="button" class="approve" onClick={() => void decide('approve')}>
        Approve
      </button>
      <button type="button" class="danger" onClick={() => void decide('reject')}>
        Reject
      </button>
      {problem && <p class="error">{problem}</p>}
    </div>
  );
}
