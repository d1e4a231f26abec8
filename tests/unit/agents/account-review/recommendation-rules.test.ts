import { describe, expect, it } from 'vitest';
import {
  addDays,
  confidenceOf,
  recommendByRules,
} from '../../../../agents/account-review/recommendation-rules.js';
import { RecommendationSchema } from '../../../../agents/account-review/recommendation.js';
import { facts, history } from './fixtures.js';

const asOf = '2026-12-01';

describe('recommendByRules', () => {
  it('always records the review as a note with the risk, the factors and the primary contact', () => {
    const recs = recommendByRules({ facts: facts(), history: history(), asOf });
    expect(recs).toHaveLength(1);
    const [note] = recs;
    expect(note).toMatchObject({ action: 'add_note', source: 'rules', confidence: 0.9 });
    expect(note!.title).toBe('Account review 2026-12-01: risk 0 (low)');
    expect(note!.detail).toContain('Primary contact: Jane Roe (CTO), jane.roe@acme.com, +1-555-123-4567.');
    expect(note!.detail).toContain('First recorded review.');
  });

  it('proposes a re-engagement call for a stale account, more urgent and confident the staler it is', () => {
    const month = recommendByRules({
      facts: facts({ daysSinceLastActivity: 45 }),
      history: history(),
      asOf,
    })[0]!;
    const quarter = recommendByRules({
      facts: facts({ daysSinceLastActivity: 120 }),
      history: history(),
      asOf,
    })[0]!;
    expect(month).toMatchObject({ action: 'create_task', priority: 'normal', dueDate: '2026-12-04' });
    expect(quarter).toMatchObject({ action: 'create_task', priority: 'high' });
    expect(quarter.confidence).toBeGreaterThan(month.confidence);
    expect(quarter.factors.map((f) => f.name)).toEqual(['base', 'inactivity', 'contact']);
    expect(quarter.factors[1]!.reason).toBe('120 days since the last activity');
  });

  it('turns late payments, slipped and closing deals and overdue tasks into tasks', () => {
    const recs = recommendByRules({
      facts: facts({
        paymentStatus: 'delinquent',
        overdueTasks: 2,
        openTaskTitles: ['Send the quote', 'Book QBR'],
        openDeals: [
          {
            id: 'deal_1',
            name: 'Renewal',
            stage: 'proposal',
            amount: 80_000,
            currency: 'USD',
            closeDate: '2026-11-01',
          },
          {
            id: 'deal_2',
            name: 'Expansion',
            stage: 'negotiation',
            amount: 30_000,
            currency: 'USD',
            closeDate: '2026-12-15',
          },
        ],
      }),
      history: history(),
      asOf,
    });
    expect(recs.map((r) => r.title)).toEqual([
      'Resolve delinquent payments for Acme Corp',
      'Re-forecast deal "Renewal"',
      'Drive "Expansion" to signature',
      'Clear 2 overdue task(s) on Acme Corp',
      'Account review 2026-12-01: risk 0 (low)',
    ]);
    expect(recs[1]!.detail).toContain('USD 80,000');
    expect(recs[1]!.factors.map((f) => f.name)).toContain('deal_size');
    expect(recs[3]!.detail).toContain('Send the quote; Book QBR');
  });

  it('proposes at_risk for a high-risk active account and active again for a recovered one', () => {
    const risky = recommendByRules({
      facts: facts({ riskScore: 75, riskLevel: 'high' }),
      history: history(),
      asOf,
    });
    expect(risky.find((r) => r.action === 'update_status')).toMatchObject({ newStatus: 'at_risk' });
    const recovered = recommendByRules({
      facts: facts({ status: 'at_risk', riskScore: 10 }),
      history: history(),
      asOf,
    });
    expect(recovered.find((r) => r.action === 'update_status')).toMatchObject({ newStatus: 'active' });
  });

  it('proposes churned only when every sign of a lost account is there (compliance then withholds it)', () => {
    const lost = facts({
      status: 'at_risk',
      paymentStatus: 'delinquent',
      daysSinceLastActivity: 200,
      riskScore: 95,
    });
    expect(
      recommendByRules({ facts: lost, history: history(), asOf }).find((r) => r.action === 'update_status'),
    ).toMatchObject({ newStatus: 'churned' });
    const notYet = { ...lost, daysSinceLastActivity: 100 };
    expect(
      recommendByRules({ facts: notYet, history: history(), asOf }).some((r) => r.newStatus === 'churned'),
    ).toBe(false);
  });

  it('lowers the confidence of a recommendation a person rejected before, and says why', () => {
    const stale = facts({ daysSinceLastActivity: 45 });
    const fresh = recommendByRules({ facts: stale, history: history(), asOf })[0]!;
    const again = recommendByRules({
      facts: stale,
      history: history({ pastReviews: 1, lastOutcome: 'rejected', rejectedTitles: [fresh.title] }),
      asOf,
    })[0]!;
    expect(again.confidence).toBeCloseTo(fresh.confidence - 0.2, 5);
    expect(again.factors.at(-1)).toMatchObject({ name: 'history', weight: -0.2 });
  });

  it('gives the same recommendations for the same facts, each valid and with a confidence equal to its factors', () => {
    const input = {
      facts: facts({
        daysSinceLastActivity: null,
        paymentStatus: 'late',
        riskScore: 65,
        riskLevel: 'high' as const,
      }),
      history: history(),
      asOf,
    };
    const recs = recommendByRules(input);
    expect(recommendByRules(input)).toEqual(recs);
    for (const r of recs) {
      const { source, ...body } = r;
      expect(source).toBe('rules');
      expect(RecommendationSchema.safeParse(body).success).toBe(true);
      expect(r.confidence).toBe(confidenceOf(r.factors));
    }
  });
});

describe('confidenceOf and addDays', () => {
  it('clamps the sum of the weights to 0.05–0.99', () => {
    expect(
      confidenceOf([
        { name: 'a', weight: 0.7, reason: 'x' },
        { name: 'b', weight: 0.7, reason: 'y' },
      ]),
    ).toBe(0.99);
    expect(confidenceOf([{ name: 'a', weight: -0.5, reason: 'x' }])).toBe(0.05);
    expect(confidenceOf([{ name: 'a', weight: 0.123, reason: 'x' }])).toBe(0.12);
  });

  it('counts days in UTC across month ends', () => {
    expect(addDays('2026-11-29', 3)).toBe('2026-12-02');
  });
});
