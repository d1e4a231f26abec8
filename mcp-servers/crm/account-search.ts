import type { SqlExecutor } from '#stores/sql';
import { type CrmRecord, selectList, toIso, toRecord } from './records/record-rows.js';
import { ACCOUNT } from './records/record-specs.js';

export const ACCOUNT_SORTS = [
  'name',
  'annualRevenue',
  'employees',
  'createdAt',
  'updatedAt',
  'lastActivityAt',
] as const;
export type AccountSort = (typeof ACCOUNT_SORTS)[number];

export interface AccountSearch {
  /** Words matched, case-insensitively, in the name, domain and industry and in contacts' names and emails. */
  query?: string;
  status?: string[];
  tier?: string[];
  paymentStatus?: string[];
  owner?: string;
  industry?: string;
  region?: string;
  minRevenue?: number;
  maxRevenue?: number;
  sort: AccountSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface AccountSearchPage {
  accounts: Array<CrmRecord & { lastActivityAt: string | null }>;
  total: number;
  offset: number;
  /** The offset of the next page, or null on the last one. */
  nextOffset: number | null;
}

const SORT_COLUMNS: Record<AccountSort, string> = {
  name: 'lower(a.name)',
  annualRevenue: 'a.annual_revenue',
  employees: 'a.employees',
  createdAt: 'a.created_at',
  updatedAt: 'a.updated_at',
  lastActivityAt: 'last_activity_at',
};

/** Accounts matching every given filter, sorted (nulls last, ties by id), one page at a time. */
export async function searchAccounts(db: SqlExecutor, search: AccountSearch): Promise<AccountSearchPage> {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  // Every word must match somewhere, so "acme emea" narrows rather than widens.
  for (const word of (search.query ?? '').split(/\s+/).filter(Boolean)) {
    const pattern = param(`%${escapeLike(word)}%`);
    where.push(`(a.name ILIKE ${pattern} OR a.domain ILIKE ${pattern} OR a.industry ILIKE ${pattern}
      OR EXISTS (SELECT 1 FROM crm_contacts c WHERE c.account_id = a.id
                 AND (c.name ILIKE ${pattern} OR c.email ILIKE ${pattern})))`);
  }
  const anyOf = (column: string, values: string[] | undefined) => {
    if (values?.length) where.push(`${column} = ANY(${param(`{${values.join(',')}}`)}::text[])`);
  };
  anyOf('a.status', search.status);
  anyOf('a.tier', search.tier);
  anyOf('a.payment_status', search.paymentStatus);
  if (search.owner !== undefined) where.push(`a.owner = ${param(search.owner)}`);
  if (search.industry !== undefined) where.push(`lower(a.industry) = lower(${param(search.industry)})`);
  if (search.region !== undefined) where.push(`lower(a.region) = lower(${param(search.region)})`);
  if (search.minRevenue !== undefined) where.push(`a.annual_revenue >= ${param(search.minRevenue)}`);
  if (search.maxRevenue !== undefined) where.push(`a.annual_revenue <= ${param(search.maxRevenue)}`);

  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const direction = search.order === 'desc' ? 'DESC' : 'ASC';
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT ${selectList(ACCOUNT, 'a')}, last.at AS last_activity_at, count(*) OVER () AS total
     FROM crm_accounts a
     LEFT JOIN LATERAL (SELECT max(occurred_at) AS at FROM crm_activities WHERE account_id = a.id) last ON true
     ${filter}
     ORDER BY ${SORT_COLUMNS[search.sort]} ${direction} NULLS LAST, a.id ${direction}
     LIMIT ${param(search.limit)} OFFSET ${param(search.offset)}`,
    params,
  );
  let total = rows[0] ? Number(rows[0]['total']) : 0;
  // A page past the end has no rows to carry the count: count separately.
  if (rows.length === 0 && search.offset > 0) {
    const counted = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM crm_accounts a ${filter}`,
      params.slice(0, -2),
    );
    total = Number(counted.rows[0]?.n ?? 0);
  }
  const accounts = rows.map((row) => ({
    ...toRecord(ACCOUNT, row),
    lastActivityAt:
      row['last_activity_at'] === null || row['last_activity_at'] === undefined
        ? null
        : toIso(row['last_activity_at']),
  }));
  const next = search.offset + accounts.length;
  return { accounts, total, offset: search.offset, nextOffset: next < total ? next : null };
}

function escapeLike(word: string): string {
  return word.replace(/[\\%_]/g, (c) => `\\${c}`);
}
