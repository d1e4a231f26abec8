import { describe, expect, it } from 'vitest';
import { type HealthMetrics, scoreHealth } from '../../../../mcp-servers/crm/account-health.js';

const healthy: HealthMetrics = {
  asOf: '2026-06-15',
  status: 'active',
  paymentStatus: 'current',
  lastActivityAt: '2026-06-10T10:00:00.000Z',
  daysSinceLastActivity: 5,
  openDeals: 2,
  openDealValue: 10_000,
  slippedDeals: 0,
  overdueTasks: 0,
  activitiesLast90Days: 6,
  negativeActivitiesLast90Days: 0,
};

describe('account health scoring', () => {
  it('gives a recently active, paying account with pipeline no risk and no factors', () => {
    expect(scoreHealth(healthy)).toEqual({ riskScore: 0, riskLevel: 'low', factors: [] });
  });

  it('adds inactivity in steps at 30, 60 and 90 days, and most for an account never touched', () => {
    const points = (days: number | null) =>
      scoreHealth({ ...healthy, daysSinceLastActivity: days }).factors.find((f) =>
        f.factor.includes('activity'),
      )?.points ?? 0;
    expect([30, 31, 60, 61, 90, 91, null].map(points)).toEqual([0, 10, 10, 20, 20, 30, 30]);
  });

  it('caps overdue tasks and slipped deals, and the total at 100', () => {
    const score = scoreHealth({
      ...healthy,
      status: 'churned',
      paymentStatus: 'delinquent',
      daysSinceLastActivity: null,
      overdueTasks: 10,
      slippedDeals: 10,
      negativeActivitiesLast90Days: 3,
      activitiesLast90Days: 3,
    });
    const byFactor = Object.fromEntries(score.factors.map((f) => [f.factor, f.points]));
    expect(byFactor).toMatchObject({ overdue_tasks: 20, slipped_deals: 15, payment: 30, status: 25 });
    expect(score).toMatchObject({ riskScore: 100, riskLevel: 'high' });
  });

  it('counts negative sentiment when it is frequent or at least half of recent activity', () => {
    const negative = (n: number, of: number) =>
      scoreHealth({ ...healthy, negativeActivitiesLast90Days: n, activitiesLast90Days: of }).factors.some(
        (f) => f.factor === 'negative_sentiment',
      );
    expect([negative(1, 5), negative(1, 2), negative(2, 10), negative(0, 0)]).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('flags an active account with no open deal, and explains every factor', () => {
    const score = scoreHealth({ ...healthy, openDeals: 0, paymentStatus: 'late' });
    expect(score.factors).toEqual([
      { factor: 'payment', points: 15, detail: 'payment status is late' },
      { factor: 'no_pipeline', points: 5, detail: 'an active account with no open deal' },
    ]);
    expect(score).toMatchObject({ riskScore: 20, riskLevel: 'low' });
    expect(scoreHealth({ ...healthy, paymentStatus: 'delinquent' }).riskLevel).toBe('medium');
  });
});
