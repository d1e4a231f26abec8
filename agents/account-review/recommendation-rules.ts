import type {
  AccountFacts,
  AccountHistory,
  DealFacts,
  Recommendation,
  RecommendationFactor,
} from './recommendation.js';

/**
 * The offline recommendation author: rules over the account's facts and history, each filling a
 * template. Every recommendation's confidence is the sum of its factors' weights (clamped to
 * 0.05–0.99), so the factors are the whole explanation of the number. Data in, data out: no I/O,
 * no clock (the review's day is passed in), so the same facts always give the same recommendations.
 */

const DAY_MS = 24 * 60 * 60_000;

export interface RuleInput {
  facts: AccountFacts;
  history: AccountHistory;
  /** The review's day, YYYY-MM-DD (due dates are counted from it). */
  asOf: string;
}

export function recommendByRules({ facts, history, asOf }: RuleInput): Recommendation[] {
  const out: Recommendation[] = [];
  const contact = facts.primaryContact;
  const contactLine = contact
    ? `${contact.name}${contact.title ? ` (${contact.title})` : ''}${contact.email ? `, ${contact.email}` : ''}${contact.phone ? `, ${contact.phone}` : ''}`
    : 'no contact on file';

  // Stale relationship: nobody has talked to the account for a month or more.
  const days = facts.daysSinceLastActivity;
  if (days === null || days > 30) {
    const factors: RecommendationFactor[] = [
      { name: 'base', weight: 0.4, reason: 'a stale account is the most common sign of churn' },
      {
        name: 'inactivity',
        weight: days === null ? 0.3 : days > 90 ? 0.35 : days > 60 ? 0.25 : 0.15,
        reason: days === null ? 'no activity was ever logged' : `${days} days since the last activity`,
      },
    ];
    if (contact) factors.push({ name: 'contact', weight: 0.1, reason: `a contact to call: ${contact.name}` });
    out.push({
      action: 'create_task',
      title: `Re-engage ${facts.name}: check-in call`,
      detail: `Call ${contactLine} to review how ${facts.name} uses the product and what is next.`,
      priority: days === null || days > 60 ? 'high' : 'normal',
      dueDate: addDays(asOf, 3),
      ...scored(factors),
    });
  }

  if (facts.paymentStatus === 'late' || facts.paymentStatus === 'delinquent') {
    out.push({
      action: 'create_task',
      title: `Resolve ${facts.paymentStatus} payments for ${facts.name}`,
      detail: `Payment status is ${facts.paymentStatus}. Confirm the open invoices with finance, then with ${contactLine}.`,
      priority: facts.paymentStatus === 'delinquent' ? 'high' : 'normal',
      dueDate: addDays(asOf, facts.paymentStatus === 'delinquent' ? 2 : 7),
      ...scored([
        { name: 'base', weight: 0.5, reason: 'unpaid invoices need a named owner' },
        {
          name: 'payment',
          weight: facts.paymentStatus === 'delinquent' ? 0.35 : 0.2,
          reason: `payment status is ${facts.paymentStatus}`,
        },
      ]),
    });
  }

  const slipped = facts.openDeals.filter((d) => d.closeDate !== null && d.closeDate < asOf);
  const biggestSlipped = largest(slipped);
  if (biggestSlipped) {
    out.push({
      action: 'create_task',
      title: `Re-forecast deal "${biggestSlipped.name}"`,
      detail: `The deal (${money(biggestSlipped)}, stage ${biggestSlipped.stage}) was due to close on ${biggestSlipped.closeDate}. Agree a new close date or close it as lost.`,
      priority: 'normal',
      dueDate: addDays(asOf, 5),
      ...scored([
        { name: 'base', weight: 0.45, reason: 'a slipped deal distorts the forecast' },
        {
          name: 'slipped_deals',
          weight: 0.25,
          reason: `${slipped.length} open deal(s) past their close date`,
        },
        ...(biggestSlipped.amount >= 50_000
          ? [{ name: 'deal_size', weight: 0.1, reason: `the largest is ${money(biggestSlipped)}` }]
          : []),
      ]),
    });
  }

  const closing = facts.openDeals.filter(
    (d) =>
      (d.stage === 'proposal' || d.stage === 'negotiation') &&
      d.closeDate !== null &&
      d.closeDate >= asOf &&
      d.closeDate <= addDays(asOf, 30),
  );
  const biggestClosing = largest(closing);
  if (biggestClosing) {
    out.push({
      action: 'create_task',
      title: `Drive "${biggestClosing.name}" to signature`,
      detail: `${money(biggestClosing)} in ${biggestClosing.stage}, closing ${biggestClosing.closeDate}. Confirm the decision process and the paperwork.`,
      priority: 'high',
      dueDate: addDays(asOf, 2),
      ...scored([
        { name: 'base', weight: 0.4, reason: 'late-stage deals close with a push' },
        { name: 'deal_stage', weight: 0.2, reason: `stage ${biggestClosing.stage}` },
        { name: 'close_date', weight: 0.15, reason: `closes on ${biggestClosing.closeDate}` },
      ]),
    });
  }

  const status = statusChange(facts, history);
  if (status) out.push(status);

  if (facts.overdueTasks > 0) {
    out.push({
      action: 'create_task',
      title: `Clear ${facts.overdueTasks} overdue task(s) on ${facts.name}`,
      detail: `Open tasks past their due date: ${facts.openTaskTitles.slice(0, 3).join('; ') || 'see the crm'}. Do them or re-plan them.`,
      priority: 'normal',
      dueDate: addDays(asOf, 7),
      ...scored([
        { name: 'base', weight: 0.35, reason: 'overdue follow-ups are promises not kept' },
        {
          name: 'overdue_tasks',
          weight: Math.min(0.3, 0.1 * facts.overdueTasks),
          reason: `${facts.overdueTasks} task(s) overdue`,
        },
      ]),
    });
  }

  // Always: the review itself, as a note on the account.
  out.push({
    action: 'add_note',
    title: `Account review ${asOf}: risk ${facts.riskScore} (${facts.riskLevel})`,
    detail: [
      `Account review of ${facts.name} on ${asOf}: risk score ${facts.riskScore} (${facts.riskLevel}).`,
      facts.healthFactors.length > 0
        ? `Risk factors: ${facts.healthFactors.map((f) => `${f.factor} +${f.points} (${f.detail})`).join('; ')}.`
        : 'No risk factors.',
      `Primary contact: ${contactLine}.`,
      history.pastReviews > 0
        ? `Earlier reviews: ${history.pastReviews}, the last ${history.lastOutcome ?? 'with no recorded outcome'}.`
        : 'First recorded review.',
    ].join('\n'),
    ...scored([
      { name: 'base', weight: 0.8, reason: 'a review is always worth recording' },
      { name: 'health_data', weight: 0.1, reason: 'the account health assessment answered' },
    ]),
  });

  return out.map((r) => penalizeRejected(r, history));
}

/** A status change the facts support, if any (churned is proposed, and left to compliance). */
function statusChange(facts: AccountFacts, history: AccountHistory): Recommendation | undefined {
  const days = facts.daysSinceLastActivity;
  if (
    facts.status === 'at_risk' &&
    facts.openDeals.length === 0 &&
    (days === null || days > 180) &&
    facts.paymentStatus === 'delinquent'
  ) {
    return {
      action: 'update_status',
      newStatus: 'churned',
      title: `Mark ${facts.name} as churned`,
      detail: `No open deal, ${days === null ? 'no activity ever' : `${days} days without activity`}, payments delinquent.`,
      ...scored([
        { name: 'base', weight: 0.3, reason: 'every sign of a lost account at once' },
        { name: 'inactivity', weight: 0.3, reason: days === null ? 'no activity' : `${days} days` },
        { name: 'payment', weight: 0.2, reason: 'payments delinquent' },
      ]),
    };
  }
  if (facts.status === 'active' && facts.riskScore >= 60) {
    return {
      action: 'update_status',
      newStatus: 'at_risk',
      title: `Mark ${facts.name} as at risk`,
      detail: `Risk score ${facts.riskScore} (high): ${facts.healthFactors.map((f) => f.factor).join(', ')}.`,
      ...scored([
        { name: 'base', weight: 0.4, reason: 'a high risk score should be visible on the account' },
        {
          name: 'risk_score',
          weight: Math.min(0.4, (facts.riskScore - 50) / 100),
          reason: `risk score ${facts.riskScore}`,
        },
        ...(history.pastReviews > 0 && history.lastOutcome !== null
          ? [{ name: 'history', weight: 0.05, reason: `reviewed before (${history.lastOutcome})` }]
          : []),
      ]),
    };
  }
  if (facts.status === 'at_risk' && facts.riskScore < 30) {
    return {
      action: 'update_status',
      newStatus: 'active',
      title: `Mark ${facts.name} as active again`,
      detail: `Risk score is down to ${facts.riskScore} (low).`,
      ...scored([
        { name: 'base', weight: 0.4, reason: 'the at-risk flag no longer matches the data' },
        { name: 'risk_score', weight: 0.25, reason: `risk score ${facts.riskScore}` },
      ]),
    };
  }
  return undefined;
}

/** A recommendation a person already rejected for this account counts for less. */
function penalizeRejected(r: Recommendation, history: AccountHistory): Recommendation {
  if (!history.rejectedTitles.includes(r.title)) return r;
  return scored_(r, [
    ...r.factors,
    { name: 'history', weight: -0.2, reason: 'the same recommendation was rejected in an earlier review' },
  ]);
}

function scored(factors: RecommendationFactor[]): {
  confidence: number;
  factors: RecommendationFactor[];
  source: 'rules';
} {
  return { confidence: confidenceOf(factors), factors, source: 'rules' };
}

function scored_(r: Recommendation, factors: RecommendationFactor[]): Recommendation {
  return { ...r, factors, confidence: confidenceOf(factors) };
}

/** The sum of the factors' weights, clamped to 0.05–0.99 and rounded to two decimals. */
export function confidenceOf(factors: RecommendationFactor[]): number {
  const sum = factors.reduce((total, f) => total + f.weight, 0);
  return Math.round(Math.min(0.99, Math.max(0.05, sum)) * 100) / 100;
}

/** `day` (YYYY-MM-DD) plus `n` days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function largest(deals: DealFacts[]): DealFacts | undefined {
  return [...deals].sort((a, b) => b.amount - a.amount || a.id.localeCompare(b.id))[0];
}

function money(deal: DealFacts): string {
  return `${deal.currency} ${Math.round(deal.amount).toLocaleString('en-US')}`;
}
