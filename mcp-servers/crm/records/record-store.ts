import { randomBytes } from 'node:crypto';
import { NotFoundError, ValidationError } from '#core';
import { type Sql, type SqlExecutor, quoteIdent } from '#stores/sql';
import { appendChanges } from './change-log.js';
import { IdempotencyKeyReusedError, StaleVersionError } from './crm-errors.js';
import { type CrmRecord, selectList, toColumn, toRecord } from './record-rows.js';
import type { RecordSpec } from './record-spec.js';
import { RECORD_SPECS } from './record-specs.js';

/**
 * Creates and updates of crm records. Each is one transaction that writes the record and its
 * change-log row together, so list_changes never shows a change that did not happen or misses
 * one that did.
 */

export interface CreateInput {
  /** Field values by API name; absent fields take the spec's default (or null). */
  fields: Record<string, unknown>;
  /** Default: the account's owner (for an account, required). */
  owner?: string;
  idempotencyKey?: string;
}

export interface CreateResult {
  record: CrmRecord;
  /** False when the idempotency key had already created this record. */
  created: boolean;
}

export function newRecordId(spec: RecordSpec): string {
  return `${spec.idPrefix}_${randomBytes(8).toString('hex')}`;
}

export async function createRecord(sql: Sql, spec: RecordSpec, input: CreateInput): Promise<CreateResult> {
  const values: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec.fields)) {
    const given = input.fields[name];
    const fallback = typeof field.default === 'function' ? (field.default as () => unknown)() : field.default;
    values[name] = toColumn(field.kind, given === undefined ? fallback : given);
    if (field.required && (values[name] === null || values[name] === undefined)) {
      throw new ValidationError(`${spec.type} field '${name}' is required`, { field: name });
    }
  }
  return sql.transaction(async (tx) => {
    const accountId = spec.type === 'account' ? undefined : String(values['accountId']);
    const accountOwner = accountId === undefined ? undefined : await lockAccount(tx, accountId);
    await checkReferences(tx, spec, accountId, values);
    const owner = input.owner ?? accountOwner;
    if (owner === undefined) throw new ValidationError(`an ${spec.type} needs an owner`, { field: 'owner' });

    const entries = Object.entries(spec.fields);
    const columns = ['id', 'owner', 'idempotency_key', ...entries.map(([, f]) => f.column)];
    const params = [
      newRecordId(spec),
      owner,
      input.idempotencyKey ?? null,
      ...entries.map(([n]) => values[n]),
    ];
    const { rows } = await tx.query(
      `INSERT INTO ${spec.table} (${columns.map(quoteIdent).join(', ')})
       VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ${selectList(spec)}`,
      params,
    );
    if (rows[0]) {
      const record = toRecord(spec, rows[0]);
      const given = Object.keys(input.fields).filter((name) => input.fields[name] !== undefined);
      await appendChanges(tx, [{ spec, record, operation: 'created', changedFields: ['owner', ...given] }]);
      return { record, created: true };
    }
    // The key was spent before (or by a concurrent create, which ON CONFLICT waited for).
    const existing = await findByIdempotencyKey(tx, spec, input.idempotencyKey!);
    const differing = Object.entries(values)
      .filter(([name, value]) => input.fields[name] !== undefined && !sameValue(existing[name], value))
      .map(([name]) => name);
    if (differing.length > 0)
      throw new IdempotencyKeyReusedError(spec.type, input.idempotencyKey!, existing.id, differing);
    return { record: existing, created: false };
  });
}

export interface UpdateInput {
  id: string;
  /** The version the caller read; the update is refused if the record has moved past it. */
  expectedVersion: number;
  /** Field values by API name (null clears a nullable field); `owner` reassigns the record. */
  changes: Record<string, unknown>;
}

export async function updateRecord(sql: Sql, spec: RecordSpec, input: UpdateInput): Promise<CrmRecord> {
  const names = Object.keys(input.changes).filter((name) => input.changes[name] !== undefined);
  if (names.length === 0)
    throw new ValidationError(`nothing to update: give at least one field of the ${spec.type} to change`);
  for (const name of names) {
    const field = spec.fields[name];
    if (name !== 'owner' && (!field || field.immutable))
      throw new ValidationError(`${spec.type} field '${name}' cannot be changed`, { field: name });
    if (input.changes[name] === null && (name === 'owner' || !field?.nullable))
      throw new ValidationError(`${spec.type} field '${name}' cannot be cleared`, { field: name });
  }
  return sql.transaction(async (tx) => {
    const current = await tx.query<{ account_id: string; version: number }>(
      `SELECT ${spec.type === 'account' ? 'id' : 'account_id'} AS account_id, version
       FROM ${spec.table} WHERE id = $1 FOR UPDATE`,
      [input.id],
    );
    const row = current.rows[0];
    if (!row) throw new NotFoundError(spec.type, input.id);
    if (row.version !== input.expectedVersion)
      throw new StaleVersionError(spec.type, input.id, input.expectedVersion, row.version);
    const values = Object.fromEntries(
      names.map((name) => [
        name,
        name === 'owner' ? input.changes[name] : toColumn(spec.fields[name]!.kind, input.changes[name]),
      ]),
    );
    await checkReferences(tx, spec, row.account_id, values);

    const assignments = names.map(
      (name, i) => `${quoteIdent(name === 'owner' ? 'owner' : spec.fields[name]!.column)} = $${i + 2}`,
    );
    const { rows } = await tx.query(
      `UPDATE ${spec.table} SET ${assignments.join(', ')}, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${selectList(spec)}`,
      [input.id, ...names.map((name) => values[name])],
    );
    const record = toRecord(spec, rows[0]!);
    await appendChanges(tx, [{ spec, record, operation: 'updated', changedFields: names }]);
    return record;
  });
}

/** One record by id, or NotFoundError. */
export async function getRecord(db: SqlExecutor, spec: RecordSpec, id: string): Promise<CrmRecord> {
  const { rows } = await db.query(`SELECT ${selectList(spec)} FROM ${spec.table} WHERE id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError(spec.type, id);
  return toRecord(spec, rows[0]);
}

/**
 * Checks the account exists and keeps it from changing under the write (a child is attached to
 * the account as it is now); returns its owner, the default owner of a new child.
 */
async function lockAccount(tx: SqlExecutor, accountId: string): Promise<string> {
  const { rows } = await tx.query<{ owner: string }>(
    'SELECT owner FROM crm_accounts WHERE id = $1 FOR SHARE',
    [accountId],
  );
  if (!rows[0]) throw new NotFoundError('account', accountId);
  return rows[0].owner;
}

/** A contact or deal a record points to must exist and belong to the record's account. */
async function checkReferences(
  tx: SqlExecutor,
  spec: RecordSpec,
  accountId: string | undefined,
  values: Record<string, unknown>,
): Promise<void> {
  for (const [name, field] of Object.entries(spec.fields)) {
    const target = field.references;
    const id = values[name];
    if (!target || target === 'account' || id === null || id === undefined) continue;
    const targetSpec = RECORD_SPECS[target];
    const { rows } = await tx.query<{ account_id: string }>(
      `SELECT account_id FROM ${targetSpec.table} WHERE id = $1 FOR SHARE`,
      [id],
    );
    if (!rows[0]) throw new NotFoundError(target, String(id));
    if (rows[0].account_id !== accountId) {
      throw new ValidationError(
        `${target} ${String(id)} belongs to account ${rows[0].account_id}, not ${accountId}`,
        { field: name },
      );
    }
  }
}

async function findByIdempotencyKey(tx: SqlExecutor, spec: RecordSpec, key: string): Promise<CrmRecord> {
  const { rows } = await tx.query(
    `SELECT ${selectList(spec)} FROM ${spec.table} WHERE idempotency_key = $1`,
    [key],
  );
  return toRecord(spec, rows[0]!);
}

function sameValue(stored: unknown, given: unknown): boolean {
  return stored === given || (typeof stored === 'number' && Number(given) === stored);
}
