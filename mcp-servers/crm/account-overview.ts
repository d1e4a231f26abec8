import type { SqlExecutor } from '#stores/sql';
import { type CrmRecord, selectList, toRecord } from './records/record-rows.js';
import type { RecordSpec } from './records/record-spec.js';
import { ACCOUNT, ACTIVITY, CONTACT, DEAL, NOTE, TASK } from './records/record-specs.js';
import { getRecord } from './records/record-store.js';

/** An account with what someone preparing a call wants on one page. */
export interface AccountOverview {
  account: CrmRecord;
  contacts: CrmRecord[];
  openDeals: CrmRecord[];
  recentActivities: CrmRecord[];
  openTasks: CrmRecord[];
  recentNotes: CrmRecord[];
  /** All of the account's records by type, including those not listed here. */
  counts: Record<'contacts' | 'deals' | 'activities' | 'notes' | 'tasks', number>;
}

export const MAX_CONTACTS_LISTED = 50;

export async function getAccountOverview(
  db: SqlExecutor,
  id: string,
  options: { activities: number; notes: number },
): Promise<AccountOverview> {
  const account = await getRecord(db, ACCOUNT, id);
  const list = async (spec: RecordSpec, condition: string, order: string, limit: number) => {
    const { rows } = await db.query(
      `SELECT ${selectList(spec)} FROM ${spec.table} WHERE account_id = $1 ${condition} ORDER BY ${order} LIMIT ${limit}`,
      [id],
    );
    return rows.map((row) => toRecord(spec, row));
  };
  const [contacts, openDeals, recentActivities, openTasks, recentNotes, counts] = await Promise.all([
    list(CONTACT, '', 'lower(name), id', MAX_CONTACTS_LISTED),
    list(DEAL, "AND stage NOT IN ('closed_won', 'closed_lost')", 'close_date NULLS LAST, id', 100),
    list(ACTIVITY, '', 'occurred_at DESC, id', options.activities),
    list(TASK, "AND status = 'open'", 'due_date NULLS LAST, id', 100),
    list(NOTE, '', 'created_at DESC, id', options.notes),
    countChildren(db, id),
  ]);
  return { account, contacts, openDeals, recentActivities, openTasks, recentNotes, counts };
}

async function countChildren(db: SqlExecutor, id: string): Promise<AccountOverview['counts']> {
  const { rows } = await db.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM crm_contacts WHERE account_id = $1)::text AS contacts,
            (SELECT count(*) FROM crm_deals WHERE account_id = $1)::text AS deals,
            (SELECT count(*) FROM crm_activities WHERE account_id = $1)::text AS activities,
            (SELECT count(*) FROM crm_notes WHERE account_id = $1)::text AS notes,
            (SELECT count(*) FROM crm_tasks WHERE account_id = $1)::text AS tasks`,
    [id],
  );
  const row = rows[0] ?? {};
  return {
    contacts: Number(row['contacts'] ?? 0),
    deals: Number(row['deals'] ?? 0),
    activities: Number(row['activities'] ?? 0),
    notes: Number(row['notes'] ?? 0),
    tasks: Number(row['tasks'] ?? 0),
  };
}
