import { ValidationError } from '#core';
import { type Sql, type SqlExecutor, quoteIdent } from '#stores/sql';
import { appendChanges, type ChangeEntry } from '../records/change-log.js';
import type { CrmRecord } from '../records/record-rows.js';
import { type FieldKind, RECORD_TYPES, type RecordSpec, type RecordType } from '../records/record-spec.js';
import { RECORD_SPECS } from '../records/record-specs.js';
import { type AccountBundle, generateAccount } from './generate-crm.js';

export interface SeedCrmOptions {
  /** How many accounts (each with its contacts, deals, activities, notes and tasks). */
  accounts: number;
  seed: number;
  /** @defaultValue today, 00:00 UTC */
  asOf?: Date;
  /** Accounts written per transaction. @defaultValue 50 */
  batchSize?: number;
  /** Called after each batch is committed. */
  onProgress?: (accountsDone: number, accountsTotal: number) => void;
  /** Stops between batches; what was committed stays. */
  signal?: AbortSignal;
}

export interface SeedReport {
  seed: number;
  asOf: string;
  accounts: number;
  /** Records written, by type; records already there (an earlier run of the same seed) are skipped. */
  inserted: Record<RecordType, number>;
  skipped: number;
}

export const MAX_SEED_ACCOUNTS = 1_000_000;

/**
 * Writes deterministic sample data (./generate-crm.ts) into a migrated crm. Batches are committed
 * whole, change-log entries included; ids are derived from the seed, so running the same seed
 * again adds only what is missing (an interrupted run can simply be repeated).
 */
export async function seedCrm(sql: Sql, options: SeedCrmOptions): Promise<SeedReport> {
  const { accounts, seed, batchSize = 50 } = options;
  if (!Number.isInteger(accounts) || accounts < 1 || accounts > MAX_SEED_ACCOUNTS)
    throw new ValidationError(`accounts must be a whole number from 1 to ${MAX_SEED_ACCOUNTS}`, {
      field: 'accounts',
    });
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new ValidationError('seed must be a whole number from 0 to 4294967295', { field: 'seed' });
  const asOf = startOfUtcDay(options.asOf ?? new Date());
  const report: SeedReport = {
    seed,
    asOf: asOf.toISOString().slice(0, 10),
    accounts,
    inserted: Object.fromEntries(RECORD_TYPES.map((t) => [t, 0])) as Record<RecordType, number>,
    skipped: 0,
  };
  for (let start = 0; start < accounts; start += batchSize) {
    options.signal?.throwIfAborted();
    const bundles: AccountBundle[] = [];
    for (let i = start; i < Math.min(accounts, start + batchSize); i++)
      bundles.push(generateAccount(i, { seed, asOf }));
    await sql.transaction(async (tx) => {
      const changes: ChangeEntry[] = [];
      // Parents before children, for the foreign keys.
      for (const type of RECORD_TYPES) {
        const spec = RECORD_SPECS[type];
        const records = bundles.flatMap((bundle) => bundle[type]);
        const inserted = await insertRecords(tx, spec, records);
        report.inserted[type] += inserted.size;
        report.skipped += records.length - inserted.size;
        for (const record of records) {
          if (inserted.has(record.id))
            changes.push({ spec, record, operation: 'created', changedFields: changedFields(spec) });
        }
      }
      await appendChanges(tx, changes);
    });
    options.onProgress?.(Math.min(accounts, start + batchSize), accounts);
  }
  return report;
}

const SQL_TYPES: Record<FieldKind, string> = {
  text: 'text',
  number: 'numeric',
  integer: 'integer',
  date: 'date',
  timestamp: 'timestamptz',
};

/** Inserts records as one statement (one JSON parameter, however many rows); returns the new ids. */
async function insertRecords(tx: SqlExecutor, spec: RecordSpec, records: CrmRecord[]): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const columns: Array<[column: string, type: string, field: string]> = [
    ['id', 'text', 'id'],
    ['owner', 'text', 'owner'],
    ['version', 'integer', 'version'],
    ['created_at', 'timestamptz', 'createdAt'],
    ['updated_at', 'timestamptz', 'updatedAt'],
    ...Object.entries(spec.fields).map(([name, f]): [string, string, string] => [
      f.column,
      SQL_TYPES[f.kind],
      name,
    ]),
  ];
  const rows = records.map((record) =>
    Object.fromEntries(columns.map(([column, , field]) => [column, record[field]])),
  );
  const names = columns.map(([column]) => quoteIdent(column)).join(', ');
  const { rows: inserted } = await tx.query<{ id: string }>(
    `INSERT INTO ${spec.table} (${names})
     SELECT ${names} FROM jsonb_to_recordset($1::jsonb)
       AS x(${columns.map(([column, type]) => `${quoteIdent(column)} ${type}`).join(', ')})
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    [JSON.stringify(rows)],
  );
  return new Set(inserted.map((row) => row.id));
}

function changedFields(spec: RecordSpec): string[] {
  return ['owner', ...Object.keys(spec.fields)];
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}
