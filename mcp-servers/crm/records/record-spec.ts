import { z } from 'zod';

/**
 * One description per record type (account, contact, deal, activity, note, task) from which the
 * crm server derives its SQL, its row mapping and the input schemas of its create and update
 * tools, so the six types cannot drift apart. Field names are the API's (camelCase); columns
 * are the table's (snake_case).
 */
export const RECORD_TYPES = ['account', 'contact', 'deal', 'activity', 'note', 'task'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** How a column's value travels: dates as 'YYYY-MM-DD', timestamps as ISO 8601 strings in UTC. */
export type FieldKind = 'text' | 'number' | 'integer' | 'date' | 'timestamp';

export interface FieldSpec {
  column: string;
  kind: FieldKind;
  /** The value's schema (without optionality: the spec's flags decide that). */
  schema: z.ZodType;
  /** Must be given on create (no default). */
  required?: boolean;
  /** Filled on create when absent; a function is called at each create (a timestamp's "now"). */
  default?: unknown;
  /** May be cleared with null by an update. */
  nullable?: boolean;
  /** Fixed once created (an activity's account, say): update tools do not offer it. */
  immutable?: boolean;
  /** Another record of the same account this field points to, checked on every write. */
  references?: RecordType;
}

export interface RecordSpec {
  type: RecordType;
  /** 'accounts': tool names, the change log, messages. */
  plural: string;
  table: string;
  /** Ids are `<prefix>_<16 hex>` (`acc_…`), so an id says what it is. */
  idPrefix: string;
  /** What a create tool's description says about the record. */
  summary: string;
  fields: Readonly<Record<string, FieldSpec>>;
}

/** Every record's system fields, set by the store and never by a caller. */
export const SYSTEM_FIELDS = ['id', 'version', 'createdAt', 'updatedAt'] as const;

export const ownerSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('Who owns the record (a user name or email)');

export const idSchema = (spec: RecordSpec) =>
  z
    .string()
    .regex(new RegExp(`^${spec.idPrefix}_[a-zA-Z0-9_-]{1,64}$`), {
      message: `a ${spec.type} id looks like "${spec.idPrefix}_…"`,
    })
    .describe(`The ${spec.type}'s id ("${spec.idPrefix}_…")`);

export const text = (max: number, description: string) =>
  z.string().trim().min(1).max(max).describe(description);

/** A calendar date, checked for real (2026-02-30 is refused). */
export const dateSchema = z.iso.date({ message: 'expected a date as YYYY-MM-DD' });

/** An instant with an explicit offset, so no server's local time zone is ever guessed. */
export const timestampSchema = z.iso.datetime({
  offset: true,
  message: 'expected an ISO 8601 date-time with a time zone, e.g. 2026-05-01T14:00:00Z',
});

export const moneySchema = z
  .number()
  .min(0)
  .max(1e12)
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, { message: 'at most two decimals' });
