import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sql } from '../../../../stores/sql/sql.js';
import { SQL_TARGETS, uniqueSchema } from '../../../support/sql-targets.js';
import { type ConnectedCrm, connectCrm, type RecordData, textOf } from './crm-harness.js';

interface Created {
  record: RecordData;
  created: boolean;
}
interface Changes {
  changes: Array<{
    seq: number;
    type: string;
    id: string;
    operation: string;
    version: number;
    changedFields: string[];
  }>;
  nextAfter: number | null;
  hasMore: boolean;
}

// The clock account_health is judged against: 2026-06-15, noon UTC.
const NOW = new Date('2026-06-15T12:00:00Z');

describe.each(SQL_TARGETS)('the crm server on $name', (target) => {
  let schema: string;
  let sql: Sql;
  let crm: ConnectedCrm;
  // One database per driver (opening PGlite takes seconds); every test starts from empty tables.
  beforeAll(async () => {
    schema = uniqueSchema('crm');
    sql = await target.open(schema);
    crm = await connectCrm(sql, { now: () => NOW });
  });
  beforeEach(async () => {
    await sql.exec(
      'TRUNCATE crm_accounts, crm_contacts, crm_deals, crm_activities, crm_notes, crm_tasks, crm_changes RESTART IDENTITY',
    );
  });
  afterAll(async () => {
    await crm.close();
    await sql.close();
    await target.cleanup(schema);
  });

  const createAccount = async (fields: Record<string, unknown> = {}) =>
    (await crm.data<Created>('create_account', { name: 'Acme Corp', owner: 'ana', ...fields })).record;
  const count = async (table: string) =>
    Number((await sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]!.n);

  it("creates an account and its records; children default to the account's owner", async () => {
    const account = await createAccount({
      domain: 'acme.com',
      annualRevenue: 1_250_000.5,
      tier: 'enterprise',
    });
    expect(account).toMatchObject({ version: 1, owner: 'ana', status: 'active', paymentStatus: 'current' });
    expect(account.id).toMatch(/^acc_[0-9a-f]{16}$/);
    const contact = (await crm.data<Created>('create_contact', { accountId: account.id, name: 'Jane Doe' }))
      .record;
    expect(contact.owner).toBe('ana');
    await crm.data('create_deal', { accountId: account.id, name: 'Renewal', amount: 5000, owner: 'ben' });
    await crm.data('log_activity', {
      accountId: account.id,
      type: 'call',
      subject: 'Kick-off',
      contactId: contact.id,
    });
    await crm.data('create_note', { accountId: account.id, body: 'Budget approved' });
    await crm.data('create_task', { accountId: account.id, title: 'Send quote', dueDate: '2026-06-20' });

    const overview = await crm.data<Record<string, RecordData[] | RecordData | Record<string, number>>>(
      'get_account',
      { id: account.id },
    );
    expect(overview['account']).toMatchObject({ name: 'Acme Corp', annualRevenue: 1_250_000.5 });
    expect(overview['counts']).toEqual({ contacts: 1, deals: 1, activities: 1, notes: 1, tasks: 1 });
    expect((overview['openDeals'] as RecordData[])[0]).toMatchObject({
      owner: 'ben',
      stage: 'prospecting',
      currency: 'USD',
    });
    expect((overview['openTasks'] as RecordData[])[0]).toMatchObject({
      dueDate: '2026-06-20',
      status: 'open',
    });
  });

  it('refuses a stale update and writes nothing', async () => {
    const account = await createAccount();
    const updated = (
      await crm.data<{ record: RecordData }>('update_account', {
        id: account.id,
        expectedVersion: 1,
        status: 'at_risk',
      })
    ).record;
    expect(updated).toMatchObject({ version: 2, status: 'at_risk' });
    const changesBefore = await count('crm_changes');

    const stale = await crm.call('update_account', { id: account.id, expectedVersion: 1, status: 'churned' });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toMatch(/is at version 2, not 1.*retry with expectedVersion 2/);
    const { rows } = await sql.query<{ status: string; version: number }>(
      'SELECT status, version FROM crm_accounts',
    );
    expect(rows).toEqual([{ status: 'at_risk', version: 2 }]);
    expect(await count('crm_changes')).toBe(changesBefore);
  });

  it('lets exactly one of two concurrent updates of the same version win', async () => {
    const account = await createAccount();
    const results = await Promise.all(
      ['late', 'delinquent'].map((paymentStatus) =>
        crm.call('update_account', { id: account.id, expectedVersion: 1, paymentStatus }),
      ),
    );
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(results.filter((r) => r.isError).map(textOf)).toEqual([expect.stringMatching(/version 2, not 1/)]);
    expect((await sql.query('SELECT version FROM crm_accounts')).rows).toEqual([{ version: 2 }]);
  });

  it('clears nullable fields with null and refuses to clear required ones or change the account', async () => {
    const account = await createAccount({ region: 'EMEA' });
    const cleared = await crm.data<{ record: RecordData }>('update_account', {
      id: account.id,
      expectedVersion: 1,
      region: null,
    });
    expect(cleared.record.region).toBeNull();
    const required = await crm.call('update_account', { id: account.id, expectedVersion: 2, name: null });
    expect(required.isError).toBe(true);
    expect(textOf(required)).toMatch(/name/);
    const contact = (await crm.data<Created>('create_contact', { accountId: account.id, name: 'A' })).record;
    const move = await crm.call('update_contact', {
      id: contact.id,
      expectedVersion: 1,
      accountId: account.id,
    });
    expect(move.isError).toBe(true);
    expect(textOf(move)).toMatch(/Unrecognized key.*accountId/);
    const empty = await crm.call('update_contact', { id: contact.id, expectedVersion: 1 });
    expect(textOf(empty)).toMatch(/nothing to update/);
  });

  it('returns the first record for a repeated idempotency key, and refuses the key for other values', async () => {
    const account = await createAccount();
    const args = { accountId: account.id, title: 'Call back', idempotencyKey: 'run-7/step-3' };
    const first = await crm.data<Created>('create_task', args);
    const again = await crm.data<Created>('create_task', args);
    expect(first.created).toBe(true);
    expect(again).toEqual({ record: first.record, created: false });
    expect(await count('crm_tasks')).toBe(1);
    const reused = await crm.call('create_task', { ...args, title: 'Something else' });
    expect(reused.isError).toBe(true);
    expect(textOf(reused)).toMatch(/already created task .* with different title/);
    expect(await count('crm_tasks')).toBe(1);
  });

  it("refuses references to another account's contact, and unknown ids, before writing", async () => {
    const a = await createAccount();
    const b = await createAccount({ name: 'Other' });
    const theirs = (await crm.data<Created>('create_contact', { accountId: b.id, name: 'Bob' })).record;
    const wrong = await crm.call('log_activity', {
      accountId: a.id,
      type: 'email',
      subject: 's',
      contactId: theirs.id,
    });
    expect(textOf(wrong)).toMatch(new RegExp(`belongs to account ${b.id}, not ${a.id}`));
    const missing = await crm.call('create_note', { accountId: 'acc_nope', body: 'x' });
    expect(textOf(missing)).toMatch(/account 'acc_nope' does not exist.*search_accounts/);
    const badId = await crm.call('create_note', { accountId: 'con_123', body: 'x' });
    expect(textOf(badId)).toMatch(/acc_/);
    expect(await count('crm_activities')).toBe(0);
    expect(await count('crm_notes')).toBe(0);
  });

  it('rejects impossible values with the field named', async () => {
    const account = await createAccount();
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        'create_task',
        { accountId: account.id, title: 't', dueDate: '2026-02-30' },
        /dueDate: expected a date as YYYY-MM-DD/,
      ],
      ['create_contact', { accountId: account.id, name: 'n', email: 'not-an-email' }, /email/],
      ['create_deal', { accountId: account.id, name: 'd', amount: -5 }, /amount/],
      ['create_deal', { accountId: account.id, name: 'd', amount: 1.234 }, /two decimals/],
      ['log_activity', { accountId: account.id, type: 'fax', subject: 's' }, /type/],
      [
        'log_activity',
        { accountId: account.id, type: 'call', subject: 's', occurredAt: '2026-05-01 10:00' },
        /time zone/,
      ],
      ['create_account', { name: 'x' }, /owner/],
    ];
    for (const [tool, args, error] of cases) {
      const result = await crm.call(tool, args);
      expect(result.isError, tool).toBe(true);
      expect(textOf(result)).toMatch(error);
    }
    expect(await count('crm_deals')).toBe(0);
  });

  it('searches by words across accounts and contacts, with filters, sorting and pages', async () => {
    const acme = await createAccount({ name: 'Acme Anvils', annualRevenue: 500, region: 'EMEA' });
    await createAccount({ name: 'Globex', annualRevenue: 900, status: 'at_risk', owner: 'ben' });
    await createAccount({ name: 'Initech 100%', annualRevenue: 100 });
    await crm.data('create_contact', { accountId: acme.id, name: 'Jane Roe', email: 'jane@acme.com' });
    type Page = { accounts: RecordData[]; total: number; nextOffset: number | null };
    const names = (page: Page) => page.accounts.map((a) => a['name']);

    expect(names(await crm.data<Page>('search_accounts', { query: 'JANE@acme' }))).toEqual(['Acme Anvils']);
    expect(names(await crm.data<Page>('search_accounts', { query: 'acme globex' }))).toEqual([]);
    // '%' is a character to match, not a wildcard.
    expect(names(await crm.data<Page>('search_accounts', { query: '100%' }))).toEqual(['Initech 100%']);
    expect(names(await crm.data<Page>('search_accounts', { status: ['at_risk'], owner: 'ben' }))).toEqual([
      'Globex',
    ]);
    expect(names(await crm.data<Page>('search_accounts', { region: 'emea' }))).toEqual(['Acme Anvils']);
    expect(
      names(
        await crm.data<Page>('search_accounts', { sort: 'annualRevenue', order: 'desc', minRevenue: 200 }),
      ),
    ).toEqual(['Globex', 'Acme Anvils']);

    const first = await crm.data<Page>('search_accounts', { limit: 2 });
    expect(first).toMatchObject({ total: 3, nextOffset: 2 });
    const second = await crm.data<Page>('search_accounts', { limit: 2, offset: 2 });
    expect(second).toMatchObject({ total: 3, nextOffset: null });
    expect([...names(first), ...names(second)]).toEqual(['Acme Anvils', 'Globex', 'Initech 100%']);
    expect(await crm.data<Page>('search_accounts', { offset: 10 })).toMatchObject({ accounts: [], total: 3 });
  });

  it('scores account health from activities, tasks, deals and payment, with the factors', async () => {
    const account = await createAccount({ paymentStatus: 'late' });
    await crm.data('log_activity', {
      accountId: account.id,
      type: 'call',
      subject: 'Complaint',
      sentiment: 'negative',
      occurredAt: '2026-04-01T10:00:00Z', // 75 days before NOW
    });
    await crm.data('create_task', { accountId: account.id, title: 'overdue', dueDate: '2026-06-01' });
    await crm.data('create_task', { accountId: account.id, title: 'later', dueDate: '2026-07-01' });
    await crm.data('create_deal', {
      accountId: account.id,
      name: 'slipped',
      amount: 1000,
      closeDate: '2026-05-01',
    });
    await crm.data('create_deal', { accountId: account.id, name: 'won', amount: 50, stage: 'closed_won' });

    const health = await crm.data<Record<string, unknown>>('account_health', { id: account.id });
    expect(health).toMatchObject({
      asOf: '2026-06-15',
      daysSinceLastActivity: 75,
      openDeals: 1,
      openDealValue: 1000,
      slippedDeals: 1,
      overdueTasks: 1,
      negativeActivitiesLast90Days: 1,
      // inactivity 20 + payment 15 + negative 10 + overdue 5 + slipped 5
      riskScore: 55,
      riskLevel: 'medium',
    });
    expect((health['factors'] as Array<{ factor: string }>).map((f) => f.factor)).toEqual([
      'inactivity',
      'payment',
      'negative_sentiment',
      'overdue_tasks',
      'slipped_deals',
    ]);
  });

  it('lists changes in order, pages with after without skipping or repeating, and filters', async () => {
    const account = await createAccount();
    const contact = (await crm.data<Created>('create_contact', { accountId: account.id, name: 'C' })).record;
    await crm.data('update_contact', { id: contact.id, expectedVersion: 1, title: 'CTO' });
    await crm.data('create_note', { accountId: account.id, body: 'n' });

    const page1 = await crm.data<Changes>('list_changes', { since: '2000-01-01T00:00:00Z', limit: 3 });
    expect(page1.hasMore).toBe(true);
    const page2 = await crm.data<Changes>('list_changes', { after: page1.nextAfter, limit: 3 });
    expect(page2.hasMore).toBe(false);
    const all = [...page1.changes, ...page2.changes];
    expect(all.map((c) => `${c.type}:${c.operation}:${c.version}`)).toEqual([
      'account:created:1',
      'contact:created:1',
      'contact:updated:2',
      'note:created:1',
    ]);
    expect(all[2]!.changedFields).toEqual(['title']);
    expect(new Set(all.map((c) => c.seq)).size).toBe(4);

    const empty = await crm.data<Changes>('list_changes', { after: page2.nextAfter });
    expect(empty).toEqual({ changes: [], nextAfter: page2.nextAfter, hasMore: false });
    const contacts = await crm.data<Changes>('list_changes', { types: ['contact'] });
    expect(contacts.changes.map((c) => c.id)).toEqual([contact.id, contact.id]);
    const future = await crm.data<Changes>('list_changes', { since: '2999-01-01T00:00:00Z' });
    expect(future.changes).toEqual([]);
  });

  it('serves an account and its health as resources, and the review prompt', async () => {
    const account = await createAccount();
    const read = await crm.client.readResource({ uri: `crm://accounts/${account.id}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({
      account: { id: account.id },
    });
    const health = await crm.client.readResource({ uri: `crm://accounts/${account.id}/health` });
    expect(JSON.parse((health.contents[0] as { text: string }).text)).toMatchObject({
      riskScore: expect.any(Number),
    });
    await expect(crm.client.readResource({ uri: 'crm://accounts/acc_missing' })).rejects.toThrow(
      /search_accounts/,
    );
    const completion = await crm.client.complete({
      ref: { type: 'ref/resource', uri: 'crm://accounts/{id}' },
      argument: { name: 'id', value: 'acme' },
    });
    expect(completion.completion.values).toEqual([account.id]);
    const prompt = await crm.client.getPrompt({
      name: 'account_review',
      arguments: { accountId: account.id },
    });
    expect(JSON.stringify(prompt.messages)).toContain(account.id);
  });
});
