import type { SqlExecutor } from '#stores/sql';
import { toIso } from './records/record-rows.js';
import { getRecord } from './records/record-store.js';
import { ACCOUNT } from './records/record-specs.js';

/** The facts an account's health is judged from, as of one day. */
export interface HealthMetrics {
  asOf: string;
  status: string;
  paymentStatus: string;
  lastActivityAt: string | null;
  /** Whole days from the last activity to `asOf`; null when there was none. */
  daysSinceLastActivity: number | null;
  openDeals: number;
  openDealValue: number;
  /** Open deals whose close date has passed. */
  slippedDeals: number;
  overdueTasks: number;
  activitiesLast90Days: number;
  negativeActivitiesLast90Days: number;
}

export interface RiskFactor {
  factor: string;
  points: number;
  detail: string;
}

export interface AccountHealth extends HealthMetrics {
  accountId: string;
  accountName: string;
  /** 0 (healthy) to 100 (about to be lost): the sum of the factors' points, capped. */
  riskScore: number;
  riskLevel: 'low' | 'medium' | 'high';
  /** Every rule that added points, largest first; empty for a healthy account. */
  factors: RiskFactor[];
}

const DAY_MS = 86_400_000;

export async function accountHealth(db: SqlExecutor, id: string, now: Date): Promise<AccountHealth> {
  const account = await getRecord(db, ACCOUNT, id);
  const today = now.toISOString().slice(0, 10);
  const since90 = new Date(now.getTime() - 90 * DAY_MS).toISOString();
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT
       (SELECT max(occurred_at) FROM crm_activities WHERE account_id = $1) AS last_activity_at,
       (SELECT count(*) FROM crm_deals WHERE account_id = $1 AND stage NOT IN ('closed_won', 'closed_lost'))::int AS open_deals,
       (SELECT coalesce(sum(amount), 0) FROM crm_deals WHERE account_id = $1 AND stage NOT IN ('closed_won', 'closed_lost'))::float8 AS open_value,
       (SELECT count(*) FROM crm_deals WHERE account_id = $1 AND stage NOT IN ('closed_won', 'closed_lost') AND close_date < $2::date)::int AS slipped,
       (SELECT count(*) FROM crm_tasks WHERE account_id = $1 AND status = 'open' AND due_date < $2::date)::int AS overdue,
       (SELECT count(*) FROM crm_activities WHERE account_id = $1 AND occurred_at >= $3::timestamptz)::int AS recent,
       (SELECT count(*) FROM crm_activities WHERE account_id = $1 AND occurred_at >= $3::timestamptz AND sentiment = 'negative')::int AS negative`,
    [id, today, since90],
  );
  const row = rows[0]!;
  const lastActivityAt =
    row['last_activity_at'] === null || row['last_activity_at'] === undefined
      ? null
      : toIso(row['last_activity_at']);
  const metrics: HealthMetrics = {
    asOf: today,
    status: String(account['status']),
    paymentStatus: String(account['paymentStatus']),
    lastActivityAt,
    daysSinceLastActivity:
      lastActivityAt === null
        ? null
        : Math.max(0, Math.floor((now.getTime() - Date.parse(lastActivityAt)) / DAY_MS)),
    openDeals: Number(row['open_deals']),
    openDealValue: Number(row['open_value']),
    slippedDeals: Number(row['slipped']),
    overdueTasks: Number(row['overdue']),
    activitiesLast90Days: Number(row['recent']),
    negativeActivitiesLast90Days: Number(row['negative']),
  };
  return { accountId: account.id, accountName: String(account['name']), ...metrics, ...scoreHealth(metrics) };
}

/**
 * The risk rules. Each adds points for one warning sign and says why; the score is their sum,
 * capped at 100. Kept as data-in, data-out so the rules are tested without a database.
 */
export function scoreHealth(m: HealthMetrics): Pick<AccountHealth, 'riskScore' | 'riskLevel' | 'factors'> {
  const factors: RiskFactor[] = [];
  const add = (factor: string, points: number, detail: string) => {
    if (points > 0) factors.push({ factor, points, detail });
  };
  const days = m.daysSinceLastActivity;
  if (days === null) add('no_activity', 30, 'no activity has ever been logged');
  else
    add(
      'inactivity',
      days > 90 ? 30 : days > 60 ? 20 : days > 30 ? 10 : 0,
      `${days} days since the last activity`,
    );
  add('payment', { late: 15, delinquent: 30 }[m.paymentStatus] ?? 0, `payment status is ${m.paymentStatus}`);
  add(
    'overdue_tasks',
    Math.min(20, 5 * m.overdueTasks),
    `${m.overdueTasks} open task(s) past their due date`,
  );
  add(
    'slipped_deals',
    Math.min(15, 5 * m.slippedDeals),
    `${m.slippedDeals} open deal(s) past their close date`,
  );
  const negative = m.negativeActivitiesLast90Days;
  if (negative >= 2 || (negative >= 1 && negative * 2 >= m.activitiesLast90Days))
    add(
      'negative_sentiment',
      10,
      `${negative} of ${m.activitiesLast90Days} activities in 90 days were negative`,
    );
  add('status', { at_risk: 10, churned: 25 }[m.status] ?? 0, `the account is marked ${m.status}`);
  if (m.status === 'active' && m.openDeals === 0)
    add('no_pipeline', 5, 'an active account with no open deal');
  factors.sort((a, b) => b.points - a.points);
  const riskScore = Math.min(
    100,
    factors.reduce((sum, f) => sum + f.points, 0),
  );
  return { riskScore, riskLevel: riskScore >= 60 ? 'high' : riskScore >= 30 ? 'medium' : 'low', factors };
}
