import type { CallToolResult } from '@modelcontextprotocol/server';
import { expect } from 'vitest';
import { runMcpContract } from '../../support/mcp-contract.js';

// Ids are made by the server, so each create's check keeps the new id and later calls read it
// through getters (evaluated when the call is sent). Each transport's run fills them anew.
const ids = { account: '', contact: '', deal: '', activity: '', note: '', task: '' };
const keep = (type: keyof typeof ids) => (result: CallToolResult) => {
  const record = (result.structuredContent as { record: { id: string; version: number } }).record;
  expect(record.version).toBe(1);
  ids[type] = record.id;
};
const updated = (result: CallToolResult) =>
  expect((result.structuredContent as { record: { version: number } }).record.version).toBe(2);

// The crm server through `switchyard server crm`, on PGlite under the temporary home.
runMcpContract('crm', {
  tools: {
    search_accounts: {
      valid: [{ arguments: {}, check: (r) => expect(r.structuredContent).toMatchObject({ total: 0 }) }],
      invalid: [
        { arguments: { sort: 'size' }, error: /sort/ },
        { arguments: { limit: 1000 }, error: /limit/ },
      ],
    },
    create_account: {
      valid: [{ arguments: { name: 'Acme Corp', owner: 'ana', domain: 'acme.com' }, check: keep('account') }],
      invalid: [
        { arguments: { name: 'No owner' }, error: /owner/ },
        { arguments: { name: 'x', owner: 'o', domain: 'not a domain' }, error: /domain/ },
      ],
    },
    get_account: {
      valid: [
        {
          arguments: {
            get id() {
              return ids.account;
            },
          },
          check: (r) => expect(r.structuredContent).toMatchObject({ account: { name: 'Acme Corp' } }),
        },
      ],
      invalid: [
        { arguments: { id: 'acc_missing' }, error: /does not exist.*search_accounts/ },
        { arguments: { id: 'bob' }, error: /acc_/ },
      ],
    },
    update_account: {
      valid: [
        {
          arguments: {
            get id() {
              return ids.account;
            },
            expectedVersion: 1,
            status: 'at_risk',
          },
          check: updated,
        },
      ],
      invalid: [
        {
          arguments: {
            get id() {
              return ids.account;
            },
            expectedVersion: 1,
            status: 'active',
          },
          error: /version 2, not 1.*expectedVersion 2/,
        },
      ],
    },
    create_contact: {
      valid: [
        {
          arguments: {
            get accountId() {
              return ids.account;
            },
            name: 'Jane Roe',
            email: 'jane@acme.com',
          },
          check: keep('contact'),
        },
      ],
      invalid: [
        { arguments: { accountId: 'acc_nobody', name: 'x' }, error: /account 'acc_nobody' does not exist/ },
      ],
    },
    update_contact: {
      valid: [
        {
          arguments: {
            get id() {
              return ids.contact;
            },
            expectedVersion: 1,
            title: 'CTO',
          },
          check: updated,
        },
      ],
      invalid: [{ arguments: { id: 'con_x', expectedVersion: 1, email: 'nope' }, error: /email/ }],
    },
    create_deal: {
      valid: [
        {
          arguments: {
            get accountId() {
              return ids.account;
            },
            name: 'Renewal',
            amount: 12000,
            closeDate: '2020-01-31',
          },
          check: keep('deal'),
        },
      ],
      invalid: [{ arguments: { accountId: 'acc_x', name: 'd', amount: 'lots' }, error: /amount/ }],
    },
    update_deal: {
      valid: [
        {
          arguments: {
            get id() {
              return ids.deal;
            },
            expectedVersion: 1,
            stage: 'negotiation',
          },
          check: updated,
        },
      ],
      invalid: [{ arguments: { id: 'deal_x', expectedVersion: 1, stage: 'won' }, error: /stage/ }],
    },
    log_activity: {
      valid: [
        {
          arguments: {
            get accountId() {
              return ids.account;
            },
            get contactId() {
              return ids.contact;
            },
            type: 'call',
            subject: 'Renewal call',
            sentiment: 'negative',
          },
          check: keep('activity'),
        },
      ],
      invalid: [
        {
          arguments: { accountId: 'acc_x', type: 'call', subject: 's', occurredAt: 'yesterday' },
          error: /occurredAt/,
        },
      ],
    },
    update_activity: {
      valid: [
        {
          arguments: {
            get id() {
              return ids.activity;
            },
            expectedVersion: 1,
            body: 'They want a discount',
          },
          check: updated,
        },
      ],
      invalid: [
        {
          arguments: { id: 'act_missing', expectedVersion: 1, body: 'x' },
          error: /activity 'act_missing' does not exist/,
        },
      ],
    },
    create_note: {
      valid: [
        {
          arguments: {
            get accountId() {
              return ids.account;
            },
            body: 'Budget approved',
          },
          check: keep('note'),
        },
      ],
      invalid: [{ arguments: { accountId: 'acc_x', body: '' }, error: /body/ }],
    },
    update_note: {
      valid: [
        {
          arguments: {
            get id() {
              return ids.note;
            },
            expectedVersion: 1,
            body: 'Budget approved for Q3',
          },
          check: updated,
        },
      ],
      invalid: [{ arguments: { id: 'note_x', expectedVersion: 0, body: 'x' }, error: /expectedVersion/ }],
    },
    create_task: {
      valid: [
        {
          arguments: {
            get accountId() {
              return ids.account;
            },
            title: 'Send quote',
            dueDate: '2020-02-01',
            idempotencyKey: 'contract-task',
          },
          check: keep('task'),
        },
      ],
      invalid: [
        { arguments: { accountId: 'acc_x', title: 't', dueDate: '2026-13-01' }, error: /YYYY-MM-DD/ },
      ],
    },
    update_task: {
      valid: [
        {
          arguments: {
            get id() {
              return ids.task;
            },
            expectedVersion: 1,
            priority: 'high',
          },
          check: updated,
        },
      ],
      invalid: [{ arguments: { id: 'task_x', expectedVersion: 1, priority: 'urgent' }, error: /priority/ }],
    },
    account_health: {
      valid: [
        {
          arguments: {
            get id() {
              return ids.account;
            },
          },
          check: (r) => {
            const factors = (r.structuredContent as { factors: Array<{ factor: string }> }).factors.map(
              (f) => f.factor,
            );
            expect(factors).toEqual(expect.arrayContaining(['overdue_tasks', 'slipped_deals', 'status']));
          },
        },
      ],
      invalid: [{ arguments: { id: 'acc_missing' }, error: /does not exist/ }],
    },
    list_changes: {
      valid: [
        {
          // Six records, each created then updated once.
          arguments: { since: '2000-01-01T00:00:00Z' },
          check: (r) => expect((r.structuredContent as { changes: unknown[] }).changes).toHaveLength(12),
        },
      ],
      invalid: [
        { arguments: { since: 'last week' }, error: /since/ },
        { arguments: { since: '2000-01-01T00:00:00Z', after: 3 }, error: /either since or after/ },
      ],
    },
  },
  resourceTemplates: ['crm://accounts/{id}', 'crm://accounts/{id}/health'],
  resources: [
    {
      get uri() {
        return `crm://accounts/${ids.account}`;
      },
      check: (r) => expect(JSON.stringify(r.contents)).toContain('Jane Roe'),
    },
    {
      get uri() {
        return `crm://accounts/${ids.account}/health`;
      },
      check: (r) => expect(JSON.stringify(r.contents)).toContain('riskScore'),
    },
  ],
  prompts: [
    {
      name: 'account_review',
      arguments: { accountId: 'acc_anything' },
      check: (r) => expect(JSON.stringify(r.messages)).toContain('account_health'),
    },
  ],
});
