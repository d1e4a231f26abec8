import { describe, expect, it } from 'vitest';
import {
  dueDate,
  followUpTask,
  type Lead,
  leadDomain,
  matchAccount,
  scoreLead,
} from '../../../../agents/bizdev/lead-rules.js';

const lead = (over: Partial<Lead> = {}): Lead => ({
  company: 'Acme',
  contact: { name: 'Ann', email: 'ann@acme.com' },
  ...over,
});

describe('lead rules', () => {
  it('takes the domain from the company email, never from a free mail provider', () => {
    expect(leadDomain(lead())).toBe('acme.com');
    expect(leadDomain(lead({ domain: 'WWW.Acme.io' }))).toBe('acme.io');
    expect(leadDomain(lead({ contact: { name: 'A', email: 'a@gmail.com' } }))).toBeUndefined();
  });

  it('grades a lead with buying signals hot: next-day follow-up, high priority, a deal', () => {
    const score = scoreLead(
      lead({
        contact: { name: 'A', email: 'a@acme.com', phone: '1', title: 'CTO' },
        notes: 'budget approved, demo',
      }),
    );
    expect(score).toMatchObject({ grade: 'hot', followUpDays: 1, priority: 'high', openDeal: true });
    expect(score.reasons.map((r) => r.rule)).toContain('mentions a budget');
  });

  it('grades a free-mail lead without signals cold, and caps the score at 0..100', () => {
    const cold = scoreLead(
      lead({ contact: { name: 'A', email: 'a@gmail.com' }, notes: 'just curious, not interested' }),
    );
    expect(cold).toMatchObject({ score: 0, grade: 'cold', followUpDays: 7, openDeal: false });
    expect(scoreLead(lead()).grade).toBe('warm');
  });

  it('matches an account by domain first, then by name', () => {
    const accounts = [
      { id: 'a1', name: 'Acme', domain: 'other.com' },
      { id: 'a2', name: 'Acme Inc', domain: 'acme.com' },
    ];
    expect(matchAccount(accounts, lead())?.id).toBe('a2');
    expect(matchAccount(accounts, lead({ contact: { name: 'A', email: 'a@gmail.com' } }))?.id).toBe('a1');
    expect(
      matchAccount(accounts, lead({ company: 'Nobody', contact: { name: 'A', email: 'a@x.org' } })),
    ).toBe(undefined);
  });

  it('dates the follow-up N days out and explains the grade', () => {
    expect(dueDate(Date.parse('2025-12-31T23:00:00Z'), 3)).toBe('2026-01-03');
    const task = followUpTask(
      lead({ notes: 'pricing please' }),
      scoreLead(lead({ notes: 'pricing please' })),
    );
    expect(task.title).toBe('Follow up with Ann (Acme)');
    expect(task.description).toContain('asks about pricing (+10)');
  });
});
