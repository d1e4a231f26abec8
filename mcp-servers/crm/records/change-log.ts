import { ValidationError } from '#core';
import type { SqlExecutor } from '#stores/sql';
import { type CrmRecord, toIso } from './record-rows.js';
import type { RecordSpec, RecordType } from './record-spec.js';

/** One entry of the change log: a record as it was right after a create or an update. */
export interface CrmChange {
  /** Increases with every change; pass the last one seen as `after` to continue. */
  seq: number;
  type: RecordType;
  id: string;
  accountId: string;
  operation: 'created' | 'updated';
  version: number;
  /** The fields the write set (API names). */
  changedFields: string[];
  changedAt: string;
  record: CrmRecord;
}

/**
 * Arbitrary but fixed: the advisory lock that orders change-log appends. Taken last in a write's
 * transaction and held until it commits, so sequence numbers (and changed_at, read from the clock
 * under the lock) are handed out in commit order: a sync that saw seq N never later finds a
 * committed change below N.
 */
const CHANGE_LOG_LOCK = 7_221_530_001;

export interface ChangeEntry {
  spec: RecordSpec;
  record: CrmRecord;
  operation: CrmChange['operation'];
  /** The fields the write set (API names). */
  changedFields: string[];
}

/** Appends the changes a write made, in the write's own transaction, in the order given. */
export async function appendChanges(tx: SqlExecutor, entries: readonly ChangeEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map(({ spec, record, operation, changedFields }) => ({
    record_type: spec.type,
    record_id: record.id,
    account_id: spec.type === 'account' ? record.id : String(record['accountId']),
    operation,
    version: record.version,
    changed_fields: changedFields,
    record,
  }));
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [CHANGE_LOG_LOCK]);
  // WITH ORDINALITY keeps the entries' order in the sequence numbers.
  await tx.query(
    `INSERT INTO crm_changes
       (record_type, record_id, account_id, operation, version, changed_fields, record, changed_at)
     SELECT x.record_type, x.record_id, x.account_id, x.operation, x.version, x.changed_fields, x.record,
            clock_timestamp()
     FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(value, n),
          jsonb_to_record(e.value) AS x(record_type text, record_id text, account_id text, operation text,
                                        version integer, changed_fields jsonb, record jsonb)
     ORDER BY e.n`,
    [JSON.stringify(rows)],
  );
}

export interface ListChangesInput {
  /** Changes at or after this instant (ISO 8601). */
  since?: string;
  /** Changes after this sequence number (the `nextAfter` of the previous page); wins over `since`. */
  after?: number;
  types?: RecordType[];
  accountId?: string;
  limit: number;
}

export interface ChangePage {
  changes: CrmChange[];
  /** Pass as `after` for the next page; null when there were no changes. */
  nextAfter: number | null;
  /** Whether more changes matched than this page holds. */
  hasMore: boolean;
}

/**
 * Changes in the order they were logged. For a sync that runs again later, keep `nextAfter` and
 * pass it as `after`: sequence numbers never repeat, where two changes can share a timestamp.
 */
export async function listChanges(db: SqlExecutor, input: ListChangesInput): Promise<ChangePage> {
  if (input.since !== undefined && input.after !== undefined)
    throw new ValidationError('give either since or after, not both', { field: 'after' });
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (input.after !== undefined) where.push(`seq > ${param(input.after)}`);
  if (input.since !== undefined)
    where.push(`changed_at >= ${param(new Date(input.since).toISOString())}::timestamptz`);
  if (input.types?.length) where.push(`record_type = ANY(${param(`{${input.types.join(',')}}`)}::text[])`);
  if (input.accountId !== undefined) where.push(`account_id = ${param(input.accountId)}`);
  const { rows } = await db.query<{
    seq: string;
    record_type: RecordType;
    record_id: string;
    account_id: string;
    operation: CrmChange['operation'];
    version: number;
    changed_fields: string[] | string;
    changed_at: unknown;
    record: CrmRecord | string;
  }>(
    `SELECT seq::text AS seq, record_type, record_id, account_id, operation, version, changed_fields, changed_at, record
     FROM crm_changes ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY seq LIMIT ${param(input.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, input.limit).map((row): CrmChange => ({
    seq: Number(row.seq),
    type: row.record_type,
    id: row.record_id,
    accountId: row.account_id,
    operation: row.operation,
    version: row.version,
    changedFields: parseJson(row.changed_fields),
    changedAt: toIso(row.changed_at),
    record: parseJson(row.record),
  }));
  return {
    changes: page,
    nextAfter: page.at(-1)?.seq ?? input.after ?? null,
    hasMore: rows.length > input.limit,
  };
}

// pg parses jsonb; PGlite may hand it over as text depending on the query path.
function parseJson<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}
