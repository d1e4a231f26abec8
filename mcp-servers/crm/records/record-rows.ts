import { quoteIdent } from '#stores/sql';
import type { FieldKind, RecordSpec } from './record-spec.js';

/** A record as the crm's tools return it: the spec's fields plus the system fields. */
export interface CrmRecord {
  id: string;
  owner: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

/**
 * The SELECT list for a spec's table (optionally qualified by an alias). Casts make both drivers
 * return the same JSON-ready values: dates as text (a JS Date would shift them by the server's time
 * zone), numerics as float8 (pg returns numeric as a string).
 */
export function selectList(spec: RecordSpec, alias?: string): string {
  const q = (column: string) => (alias ? `${alias}.${quoteIdent(column)}` : quoteIdent(column));
  const columns = [
    `${q('id')} AS id`,
    `${q('owner')} AS owner`,
    `${q('version')} AS version`,
    `${q('created_at')} AS created_at`,
    `${q('updated_at')} AS updated_at`,
  ];
  for (const field of Object.values(spec.fields)) {
    columns.push(`${q(field.column)}${CAST[field.kind]} AS ${quoteIdent(field.column)}`);
  }
  return columns.join(', ');
}

const CAST: Record<FieldKind, string> = {
  text: '',
  number: '::float8',
  integer: '',
  date: '::text',
  timestamp: '',
};

/** A row selected with {@link selectList}, as a record. */
export function toRecord(spec: RecordSpec, row: Record<string, unknown>): CrmRecord {
  const record: CrmRecord = {
    id: String(row['id']),
    owner: String(row['owner']),
    version: Number(row['version']),
    createdAt: toIso(row['created_at']),
    updatedAt: toIso(row['updated_at']),
  };
  for (const [name, field] of Object.entries(spec.fields)) {
    const value = row[field.column];
    record[name] = value === null || value === undefined ? null : fromColumn(field.kind, value);
  }
  return record;
}

function fromColumn(kind: FieldKind, value: unknown): unknown {
  switch (kind) {
    case 'timestamp':
      return toIso(value);
    case 'number':
    case 'integer':
      return Number(value);
    default:
      return value;
  }
}

/** A timestamptz from either driver (a Date, or text) as ISO 8601 in UTC. */
export function toIso(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/** A caller's value for a column: timestamps normalized to UTC, so equal instants compare equal. */
export function toColumn(kind: FieldKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  return kind === 'timestamp' ? new Date(String(value)).toISOString() : value;
}
