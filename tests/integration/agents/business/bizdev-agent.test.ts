import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bizdevAgent } from '../../../../agents/bizdev/bizdev-agent.js';
import { type AgentHarness, startAgentHarness } from '../../../support/agent-harness.js';

const FINAL = (s: string) => ['completed', 'failed', 'cancelled'].includes(s);

interface Output {
  accountId: string;
  accountCreated: boolean;
  contactId: string;
  dealId?: string;
  taskId: string;
  dueDate: string;
  grade: string;
}

describe('bizdev agent', { timeout: 120_000 }, () => {
  let harness: AgentHarness;
  beforeAll(async () => {
    harness = await startAgentHarness({ agents: [bizdevAgent], builtins: ['crm'] });
  });
  afterAll(async () => harness?.dispose());

  async function process(lead: Record<string, unknown>): Promise<Output & { runId: string }> {
    const run = await harness.supervisor.startRun('bizdev', { lead });
    const done = await harness.supervisor.waitFor(run.id, FINAL, 90_000);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    return { ...(done.output as Output), runId: run.id };
  }

  it('records a new lead as a prospect account, a contact, a deal and a follow-up task', async () => {
    const output = await process({
      company: 'Acme Rockets',
      domain: 'acme-rockets.com',
      contact: { name: 'Wile E. Coyote', email: 'wile@acme-rockets.com', phone: '+1 555 0100' },
      notes: 'Has budget for this quarter, wants a demo.',
    });

    expect(output).toMatchObject({ accountCreated: true, grade: 'hot' });
    const { rows: accounts } = await harness.sql.query<{ id: string; status: string; owner: string }>(
      `SELECT id, status, owner FROM crm_accounts WHERE domain = 'acme-rockets.com'`,
    );
    expect(accounts).toEqual([{ id: output.accountId, status: 'prospect', owner: 'bizdev-agent' }]);
    // Each write is keyed by run and step: the same step repeated after a crash gets the same record.
    const { rows: keys } = await harness.sql.query<{ key: string }>(
      `SELECT idempotency_key AS key FROM crm_accounts WHERE id = $1
       UNION ALL SELECT idempotency_key FROM crm_contacts WHERE account_id = $1
       UNION ALL SELECT idempotency_key FROM crm_deals WHERE account_id = $1
       UNION ALL SELECT idempotency_key FROM crm_tasks WHERE account_id = $1`,
      [output.accountId],
    );
    expect(keys.map((k) => k.key).sort()).toEqual(
      ['recording/account', 'recording/contact', 'recording/deal', 'follow-up/task']
        .map((k) => `${output.runId}/${k}`)
        .sort(),
    );
    const { rows: contacts } = await harness.sql.query<{ id: string; email: string }>(
      'SELECT id, email FROM crm_contacts WHERE account_id = $1',
      [output.accountId],
    );
    expect(contacts).toEqual([{ id: output.contactId, email: 'wile@acme-rockets.com' }]);
    const { rows: deals } = await harness.sql.query('SELECT id FROM crm_deals WHERE account_id = $1', [
      output.accountId,
    ]);
    expect(deals).toEqual([{ id: output.dealId }]);
    const { rows: tasks } = await harness.sql.query<{
      id: string;
      contact_id: string;
      priority: string;
      status: string;
      due: string;
    }>(
      `SELECT id, contact_id, priority, status, to_char(due_date, 'YYYY-MM-DD') AS due
         FROM crm_tasks WHERE account_id = $1`,
      [output.accountId],
    );
    expect(tasks).toEqual([
      {
        id: output.taskId,
        contact_id: output.contactId,
        priority: 'high',
        status: 'open',
        due: output.dueDate,
      },
    ]);
    // A hot lead is followed up the next day.
    expect(Date.parse(output.dueDate) - Date.parse(new Date().toISOString().slice(0, 10))).toBe(86_400_000);
  });

  it('reuses the existing account for a second lead with the same domain', async () => {
    const first = await process({
      company: 'Globex',
      domain: 'globex.example',
      contact: { name: 'Hank Scorpio', email: 'hank@globex.example' },
    });
    const second = await process({
      company: 'Globex Corporation',
      contact: { name: 'Frank Grimes', email: 'frank@globex.example' },
      notes: 'just curious',
    });

    expect(second.accountCreated).toBe(false);
    expect(second.accountId).toBe(first.accountId);
    expect(second.dealId).toBeUndefined();
    const { rows } = await harness.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM crm_accounts WHERE domain = 'globex.example'`,
    );
    expect(rows[0]?.n).toBe(1);
    const { rows: contacts } = await harness.sql.query<{ name: string }>(
      'SELECT name FROM crm_contacts WHERE account_id = $1 ORDER BY name',
      [first.accountId],
    );
    expect(contacts.map((c) => c.name)).toEqual(['Frank Grimes', 'Hank Scorpio']);
    const { rows: tasks } = await harness.sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM crm_tasks WHERE account_id = $1',
      [first.accountId],
    );
    expect(tasks[0]?.n).toBe(2);
  });

  it('refuses a lead without a valid contact email', async () => {
    await expect(
      harness.supervisor.startRun('bizdev', {
        lead: { company: 'X', contact: { name: 'Y', email: 'nope' } },
      }),
    ).rejects.toThrow(/lead\.contact\.email: expected an email address/);
  });
});
