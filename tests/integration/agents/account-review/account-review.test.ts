import { afterEach, describe, expect, it } from 'vitest';
import {
  accountReviewAgent,
  type AccountReviewOutput,
} from '../../../../agents/account-review/account-review-agent.js';
import { seedCrm } from '../../../../mcp-servers/crm/seed/seed-crm.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { type AgentHarness, startAgentHarness } from '../../../support/agent-harness.js';
import { type FakeOpenAI, openaiText, startFakeOpenAI } from '../../../support/fake-llm/fake-openai.js';

const SUB_AGENTS = ['dataScout', 'memoryAnalyst', 'recommendationAuthor', 'complianceReviewer'];

describe('account-review agent on seeded crm data', { timeout: 240_000 }, () => {
  const harnesses: AgentHarness[] = [];
  const servers: FakeOpenAI[] = [];

  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.dispose();
    for (const s of servers.splice(0)) await s.close();
  });

  async function harness(options: { home?: string; llm?: Record<string, unknown>; seed?: boolean } = {}) {
    const h = await startAgentHarness({
      agents: [accountReviewAgent],
      builtins: ['crm', 'memory'],
      ...(options.home ? { home: options.home } : {}),
      ...(options.llm ? { llm: options.llm } : {}),
    });
    harnesses.push(h);
    if (options.seed !== false) await seedCrm(h.sql, { accounts: 20, seed: 42 });
    return h;
  }

  /** An account whose first contact has an email and a phone: the review will carry both. */
  async function accountWithContact(sql: Sql): Promise<{ accountId: string; email: string; phone: string }> {
    const { rows } = await sql.query<{ account_id: string; email: string; phone: string }>(
      `SELECT account_id, email, phone FROM crm_contacts
        WHERE email IS NOT NULL AND phone IS NOT NULL ORDER BY account_id, created_at, id LIMIT 1`,
    );
    const row = rows[0]!;
    return { accountId: row.account_id, email: row.email, phone: row.phone };
  }

  /** Rows the run wrote to the crm, found by the idempotency keys it derives from its id. */
  async function crmWrites(sql: Sql, runId: string): Promise<{ tasks: number; notes: number }> {
    const count = async (table: string) => {
      const { rows } = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE idempotency_key LIKE $1`,
        [`${runId}/execute/%`],
      );
      return rows[0]!.n;
    };
    return { tasks: await count('crm_tasks'), notes: await count('crm_notes') };
  }

  async function memoryObservations(sql: Sql, accountId: string): Promise<string[]> {
    const { rows } = await sql.query<{ content: string }>(
      `SELECT o.content FROM memory_observations o JOIN memory_entities e ON e.id = o.entity_id
        WHERE e.name = $1 ORDER BY o.id`,
      [`crm-account/${accountId}`],
    );
    return rows.map((r) => r.content);
  }

  async function pendingApproval(h: AgentHarness, runId: string) {
    const [approval] = await h.supervisor.listApprovals({ runId, state: 'pending' });
    return approval!;
  }

  function expectedWrites(output: AccountReviewOutput) {
    const ok = output.executed.filter((w) => w.ok);
    return {
      tasks: ok.filter((w) => w.action === 'create_task').length,
      notes: ok.filter((w) => w.action === 'add_note').length,
    };
  }

  it('runs offline to its approval gate with scored, masked recommendations, then applies them once approved', async () => {
    const h = await harness();
    const { accountId, email, phone } = await accountWithContact(h.sql);
    const run = await h.supervisor.startRun('account-review', { accountId }, { requestedBy: 'alice' });
    const parked = await h.supervisor.waitFor(run.id, (s) => s === 'awaiting_approval', 120_000);
    expect(parked.stateValue).toBe('AWAITING_APPROVAL');
    expect(await crmWrites(h.sql, run.id)).toEqual({ tasks: 0, notes: 0 }); // nothing before approval

    const approval = await pendingApproval(h, run.id);
    const details = approval.details as {
      recommendations: AccountReviewOutput['recommendations'];
      source: string;
    };
    expect(approval.what).toMatch(new RegExp(`^apply \\d+ recommendation\\(s\\) to account ${accountId}`));
    expect(details.source).toBe('rules');
    expect(details.recommendations.length).toBeGreaterThan(0);
    for (const r of details.recommendations) {
      expect(r.confidence).toBeGreaterThan(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
      expect(r.factors.length).toBeGreaterThan(0);
      for (const f of r.factors)
        expect(f).toMatchObject({ name: expect.any(String), weight: expect.any(Number) });
    }
    // The review note names the primary contact; compliance masked the contact's details.
    const shown = JSON.stringify(approval.details);
    expect(shown).not.toContain(email);
    expect(shown).not.toContain(phone);
    expect(shown).toContain('[email redacted]');
    expect(shown).toContain('[phone redacted]');

    // The sub-agents ran as child actors: their own state changes are in the run's log.
    const events = await h.supervisor.listEvents(run.id);
    const childStates = events
      .filter((e) => e.type === 'state_entered' && e.data['actor'] !== 'root')
      .map((e) => `${String(e.data['actor'])}:${JSON.stringify(e.data['state'])}`);
    for (const child of SUB_AGENTS) expect(childStates.some((s) => s.startsWith(`${child}:`))).toBe(true);
    expect(childStates).toContain('dataScout:"reading_account"');
    expect(childStates).toContain('recommendationAuthor:"applying_rules"');
    // History came from the memory server's semantic search (not only its word search).
    const semantic = events.find(
      (e) => e.type === 'tool_call_finished' && e.data['key'] === 'memory/semantic_search',
    );
    expect(semantic?.data['isError']).toBe(false);
    expect(events.some((e) => e.type === 'memory_semantic_unavailable')).toBe(false);
    const rootStates = events
      .filter((e) => e.type === 'state_entered' && e.data['actor'] === 'root')
      .map((e) => e.data['state']);
    expect(rootStates).toEqual(
      expect.arrayContaining(['DATA_RETRIEVAL', 'MEMORY_ANALYSIS', 'RECOMMENDATION', 'COMPLIANCE_CHECK']),
    );

    await h.supervisor.decideRun(run.id, { approved: true, decidedBy: 'bob' });
    const done = await h.supervisor.waitFor(run.id, (s) => s === 'completed' || s === 'failed', 120_000);
    expect(done.status).toBe('completed');
    const output = done.output as AccountReviewOutput;
    expect(output.outcome).toBe('applied');
    expect(output.executed).toHaveLength(details.recommendations.length);
    expect(output.executed.every((w) => w.ok && w.recordId)).toBe(true);
    const writes = await crmWrites(h.sql, run.id);
    expect(writes).toEqual(expectedWrites(output));
    expect(writes.notes).toBe(1);
    // What was written is the masked text, not the contact's details.
    const { rows: notes } = await h.sql.query<{ body: string }>(
      'SELECT body FROM crm_notes WHERE idempotency_key LIKE $1',
      [`${run.id}/%`],
    );
    expect(notes[0]!.body).not.toContain(email);

    const memory = await memoryObservations(h.sql, accountId);
    expect(
      memory.some((o) => o.startsWith(`account review ${run.id} on `) && o.includes('outcome applied')),
    ).toBe(true);

    // A second review of the same account recalls the first from memory.
    const second = await h.supervisor.startRun('account-review', { accountId });
    await h.supervisor.waitFor(second.id, (s) => s === 'awaiting_approval', 120_000);
    const note = (
      (await pendingApproval(h, second.id)).details as {
        recommendations: AccountReviewOutput['recommendations'];
      }
    ).recommendations.find((r) => r.action === 'add_note')!;
    expect(note.detail).toContain('Earlier reviews: 1, the last applied');
  });

  it('survives a restart while awaiting approval and writes to the crm exactly once', async () => {
    const first = await harness();
    const { accountId } = await accountWithContact(first.sql);
    const run = await first.supervisor.startRun('account-review', { accountId });
    await first.supervisor.waitFor(run.id, (s) => s === 'awaiting_approval', 120_000);
    const before = await pendingApproval(first, run.id);
    const home = first.home;
    await first.close(); // the process goes away while the run waits

    const second = await harness({ home, seed: false });
    const resumed = await second.supervisor.waitFor(run.id, (s) => s === 'awaiting_approval', 60_000);
    expect(resumed.stateValue).toBe('AWAITING_APPROVAL');
    const after = await pendingApproval(second, run.id);
    expect(after.id).toBe(before.id); // the same gate, not a second one
    await second.supervisor.decideRun(run.id, { approved: true, decidedBy: 'bob' });
    const done = await second.supervisor.waitFor(run.id, (s) => s === 'completed' || s === 'failed', 120_000);
    expect(done.status).toBe('completed');
    const output = done.output as AccountReviewOutput;
    expect(output.outcome).toBe('applied');
    expect(await crmWrites(second.sql, run.id)).toEqual(expectedWrites(output));
    const events = await second.supervisor.listEvents(run.id);
    expect(events.some((e) => e.type === 'run_resumed')).toBe(true);
    const writesStarted = events.filter(
      (e) => e.type === 'tool_call_started' && String(e.data['key']).startsWith('execute/'),
    );
    expect(writesStarted).toHaveLength(output.executed.length);
    // The data was read once, before the restart: the resume did not repeat the review's reads.
    const reads = events.filter(
      (e) => e.type === 'tool_call_started' && e.data['key'] === 'scout/get_account',
    );
    expect(reads).toHaveLength(1);
  });

  it('writes nothing to the crm when the approval is rejected, and still records the outcome in memory', async () => {
    const h = await harness();
    const { accountId } = await accountWithContact(h.sql);
    const run = await h.supervisor.startRun('account-review', { accountId });
    await h.supervisor.waitFor(run.id, (s) => s === 'awaiting_approval', 120_000);
    await h.supervisor.decideRun(run.id, { approved: false, decidedBy: 'bob', reason: 'not now' });
    const done = await h.supervisor.waitFor(run.id, (s) => s === 'completed' || s === 'failed', 120_000);
    expect(done.status).toBe('completed');
    const output = done.output as AccountReviewOutput;
    expect(output.outcome).toBe('rejected');
    expect(output.executed).toEqual([]);
    expect(await crmWrites(h.sql, run.id)).toEqual({ tasks: 0, notes: 0 });
    const memory = await memoryObservations(h.sql, accountId);
    expect(memory.some((o) => o.includes(run.id) && o.includes('outcome rejected'))).toBe(true);
  });

  it('with a model, the recommendation author writes the recommendations', async () => {
    const fake = await startFakeOpenAI({
      script: [
        openaiText(
          JSON.stringify({
            recommendations: [
              {
                action: 'create_task',
                title: 'Book an executive sponsor call',
                detail: 'Model-written: align on renewal goals; reach them at sponsor@example.com.',
                confidence: 0.77,
                factors: [{ name: 'renewal', weight: 0.77, reason: 'renewal is near' }],
                priority: 'high',
              },
            ],
          }),
        ),
      ],
    });
    servers.push(fake);
    const h = await harness({
      llm: {
        default: 'fake',
        models: { fake: { provider: 'openai', model: 'gpt-4o-mini', baseURL: fake.baseURL, apiKey: 'test' } },
      },
    });
    const { accountId, email } = await accountWithContact(h.sql);
    const run = await h.supervisor.startRun('account-review', { accountId });
    await h.supervisor.waitFor(run.id, (s) => s === 'awaiting_approval', 120_000);
    const details = (await pendingApproval(h, run.id)).details as {
      source: string;
      recommendations: AccountReviewOutput['recommendations'];
    };
    expect(details.source).toBe('model');
    expect(details.recommendations).toHaveLength(1);
    expect(details.recommendations[0]).toMatchObject({
      title: 'Book an executive sponsor call',
      detail: 'Model-written: align on renewal goals; reach them at [email redacted].',
      confidence: 0.77,
      source: 'model',
    });
    // The model was asked once, about this account, without the contact's details.
    const requests = fake.chatRequests();
    expect(requests).toHaveLength(1);
    expect(JSON.stringify(requests[0]!.messages)).toContain(accountId);
    expect(JSON.stringify(requests[0]!.messages)).not.toContain(email);
    const events = await h.supervisor.listEvents(run.id);
    expect(
      events.some(
        (e) =>
          e.type === 'state_entered' &&
          e.data['actor'] === 'recommendationAuthor' &&
          e.data['state'] === 'asking_model',
      ),
    ).toBe(true);
  });

  it('falls back to the rules when the model answers with something that is not valid recommendations', async () => {
    const fake = await startFakeOpenAI({ script: [openaiText('I think you should call them soon.')] });
    servers.push(fake);
    const h = await harness({
      llm: {
        default: 'fake',
        models: { fake: { provider: 'openai', model: 'gpt-4o-mini', baseURL: fake.baseURL, apiKey: 'test' } },
      },
    });
    const { accountId } = await accountWithContact(h.sql);
    const run = await h.supervisor.startRun('account-review', { accountId });
    await h.supervisor.waitFor(run.id, (s) => s === 'awaiting_approval', 120_000);
    const details = (await pendingApproval(h, run.id)).details as { source: string };
    expect(details.source).toBe('rules');
    const events = await h.supervisor.listEvents(run.id);
    expect(events.some((e) => e.type === 'recommendation_fallback')).toBe(true);
  });

  it('fails with the crm error when the account does not exist', async () => {
    const h = await harness();
    const run = await h.supervisor.startRun('account-review', { accountId: 'acc_missing' });
    const done = await h.supervisor.waitFor(run.id, (s) => s === 'completed' || s === 'failed', 120_000);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({
      code: 'tool_failed',
      message: expect.stringContaining('crm__get_account'),
    });
    expect(done.stateValue).toBe('FAILED');
  });
});
