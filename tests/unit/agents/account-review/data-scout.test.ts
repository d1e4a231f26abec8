import { describe, expect, it } from 'vitest';
import { healthOf, overviewOf } from '../../../../agents/account-review/data-scout.js';

describe('data scout: boiling crm answers down to facts', () => {
  it('keeps the account, its first contact, open deals and only the overdue task titles', () => {
    const overview = overviewOf(
      {
        account: {
          id: 'acc_1',
          name: 'Acme',
          status: 'at_risk',
          version: 4,
          tier: 'smb',
          paymentStatus: 'late',
        },
        contacts: [
          { name: 'Jane Roe', email: 'jane@acme.com', phone: null, title: 'CTO' },
          { name: 'John Doe', email: 'john@acme.com' },
        ],
        openDeals: [
          {
            id: 'deal_1',
            name: 'Renewal',
            stage: 'proposal',
            amount: 1000,
            currency: 'EUR',
            closeDate: null,
          },
        ],
        openTasks: [
          { title: 'Overdue one', dueDate: '2026-11-30' },
          { title: 'Due later', dueDate: '2026-12-02' },
          { title: 'No date', dueDate: null },
        ],
      },
      '2026-12-01',
    );
    expect(overview).toEqual({
      accountId: 'acc_1',
      name: 'Acme',
      status: 'at_risk',
      version: 4,
      tier: 'smb',
      paymentStatus: 'late',
      openDeals: [
        { id: 'deal_1', name: 'Renewal', stage: 'proposal', amount: 1000, currency: 'EUR', closeDate: null },
      ],
      openTaskTitles: ['Overdue one'],
      primaryContact: { name: 'Jane Roe', email: 'jane@acme.com', phone: null, title: 'CTO' },
    });
  });

  it('reads the health assessment, with no activity as null days', () => {
    expect(
      healthOf({
        riskScore: 65,
        riskLevel: 'high',
        factors: [{ factor: 'no_activity', points: 30, detail: 'no activity has ever been logged' }],
        daysSinceLastActivity: null,
        slippedDeals: 1,
        overdueTasks: 2,
        negativeActivitiesLast90Days: 0,
        paymentStatus: 'delinquent',
      }),
    ).toEqual({
      riskScore: 65,
      riskLevel: 'high',
      healthFactors: [{ factor: 'no_activity', points: 30, detail: 'no activity has ever been logged' }],
      daysSinceLastActivity: null,
      slippedDeals: 1,
      overdueTasks: 2,
      negativeActivitiesLast90Days: 0,
      paymentStatus: 'delinquent',
    });
  });
});
