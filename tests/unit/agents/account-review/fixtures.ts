import type { AccountFacts, AccountHistory } from '../../../../agents/account-review/recommendation.js';

/** Facts of a healthy active account; tests override what their rule looks at. */
export function facts(overrides: Partial<AccountFacts> = {}): AccountFacts {
  return {
    accountId: 'acc_s42_000001',
    name: 'Acme Corp',
    status: 'active',
    version: 3,
    tier: 'mid_market',
    paymentStatus: 'current',
    riskScore: 0,
    riskLevel: 'low',
    healthFactors: [],
    daysSinceLastActivity: 5,
    openDeals: [],
    slippedDeals: 0,
    overdueTasks: 0,
    openTaskTitles: [],
    negativeActivitiesLast90Days: 0,
    primaryContact: { name: 'Jane Roe', email: 'jane.roe@acme.com', phone: '+1-555-123-4567', title: 'CTO' },
    ...overrides,
  };
}

export function history(overrides: Partial<AccountHistory> = {}): AccountHistory {
  return {
    entityName: 'crm-account/acc_s42_000001',
    pastReviews: 0,
    lastOutcome: null,
    rejectedTitles: [],
    related: [],
    semantic: true,
    ...overrides,
  };
}
