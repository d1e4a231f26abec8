import { z } from 'zod';
import {
  dateSchema,
  idSchema,
  moneySchema,
  type RecordSpec,
  type RecordType,
  text,
  timestampSchema,
} from './record-spec.js';

/** The crm's data model: accounts, and the five kinds of record that belong to one account. */

export const TIERS = ['enterprise', 'mid_market', 'smb'] as const;
export const ACCOUNT_STATUSES = ['prospect', 'active', 'at_risk', 'churned'] as const;
export const PAYMENT_STATUSES = ['current', 'late', 'delinquent'] as const;
export const DEAL_STAGES = [
  'prospecting',
  'qualification',
  'proposal',
  'negotiation',
  'closed_won',
  'closed_lost',
] as const;
export const CLOSED_STAGES: readonly string[] = ['closed_won', 'closed_lost'];
export const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'demo', 'support'] as const;
export const SENTIMENTS = ['positive', 'neutral', 'negative'] as const;
export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export const PRIORITIES = ['low', 'normal', 'high'] as const;

export const ACCOUNT: RecordSpec = {
  type: 'account',
  plural: 'accounts',
  table: 'crm_accounts',
  idPrefix: 'acc',
  summary: 'a customer or prospect company',
  fields: {
    name: { column: 'name', kind: 'text', schema: text(200, 'Company name'), required: true },
    domain: {
      column: 'domain',
      kind: 'text',
      schema: z
        .string()
        .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/i, { message: 'expected a domain such as acme.com' })
        .describe('Web domain, e.g. acme.com'),
      nullable: true,
    },
    industry: { column: 'industry', kind: 'text', schema: text(100, 'Industry'), nullable: true },
    tier: { column: 'tier', kind: 'text', schema: z.enum(TIERS).describe('Size segment'), default: 'smb' },
    status: {
      column: 'status',
      kind: 'text',
      schema: z.enum(ACCOUNT_STATUSES).describe('Relationship status'),
      default: 'active',
    },
    region: { column: 'region', kind: 'text', schema: text(100, 'Sales region, e.g. EMEA'), nullable: true },
    annualRevenue: {
      column: 'annual_revenue',
      kind: 'number',
      schema: moneySchema.describe("The company's annual revenue"),
      nullable: true,
    },
    employees: {
      column: 'employees',
      kind: 'integer',
      schema: z.number().int().min(0).max(10_000_000).describe('Head count'),
      nullable: true,
    },
    paymentStatus: {
      column: 'payment_status',
      kind: 'text',
      schema: z.enum(PAYMENT_STATUSES).describe('Whether invoices are paid on time'),
      default: 'current',
    },
  },
};

const accountRef = {
  column: 'account_id',
  kind: 'text',
  schema: idSchema(ACCOUNT),
  required: true,
  immutable: true,
  references: 'account',
} as const;

export const CONTACT: RecordSpec = {
  type: 'contact',
  plural: 'contacts',
  table: 'crm_contacts',
  idPrefix: 'con',
  summary: 'a person at an account',
  fields: {
    accountId: accountRef,
    name: { column: 'name', kind: 'text', schema: text(200, 'Full name'), required: true },
    email: { column: 'email', kind: 'text', schema: z.email().describe('Email address'), nullable: true },
    phone: { column: 'phone', kind: 'text', schema: text(50, 'Phone number'), nullable: true },
    title: { column: 'title', kind: 'text', schema: text(200, 'Job title'), nullable: true },
  },
};

export const DEAL: RecordSpec = {
  type: 'deal',
  plural: 'deals',
  table: 'crm_deals',
  idPrefix: 'deal',
  summary: 'a sales opportunity with an account',
  fields: {
    accountId: accountRef,
    name: { column: 'name', kind: 'text', schema: text(200, 'Deal name'), required: true },
    stage: {
      column: 'stage',
      kind: 'text',
      schema: z.enum(DEAL_STAGES).describe('Pipeline stage; closed_won and closed_lost are final'),
      default: 'prospecting',
    },
    amount: { column: 'amount', kind: 'number', schema: moneySchema.describe('Deal value'), required: true },
    currency: {
      column: 'currency',
      kind: 'text',
      schema: z.string().regex(/^[A-Z]{3}$/, { message: 'expected an ISO 4217 code such as USD' }),
      default: 'USD',
    },
    closeDate: {
      column: 'close_date',
      kind: 'date',
      schema: dateSchema.describe('Expected (or actual) close date, YYYY-MM-DD'),
      nullable: true,
    },
  },
};

/** An activity's or task's optional link to a contact and a deal of the same account. */
const contactRef = {
  column: 'contact_id',
  kind: 'text',
  schema: idSchema(CONTACT),
  nullable: true,
  references: 'contact',
} as const;
const dealRef = {
  column: 'deal_id',
  kind: 'text',
  schema: idSchema(DEAL),
  nullable: true,
  references: 'deal',
} as const;

export const ACTIVITY: RecordSpec = {
  type: 'activity',
  plural: 'activities',
  table: 'crm_activities',
  idPrefix: 'act',
  summary: 'an interaction with an account (call, email, meeting, demo, support)',
  fields: {
    accountId: accountRef,
    contactId: contactRef,
    dealId: dealRef,
    type: { column: 'type', kind: 'text', schema: z.enum(ACTIVITY_TYPES), required: true },
    subject: { column: 'subject', kind: 'text', schema: text(300, 'One-line summary'), required: true },
    body: { column: 'body', kind: 'text', schema: text(20_000, 'Details'), nullable: true },
    sentiment: {
      column: 'sentiment',
      kind: 'text',
      schema: z.enum(SENTIMENTS).describe('How the customer came across'),
      nullable: true,
    },
    occurredAt: {
      column: 'occurred_at',
      kind: 'timestamp',
      schema: timestampSchema.describe('When it happened (default: now)'),
      default: () => new Date().toISOString(),
    },
  },
};

export const NOTE: RecordSpec = {
  type: 'note',
  plural: 'notes',
  table: 'crm_notes',
  idPrefix: 'note',
  summary: 'a free-text note on an account',
  fields: {
    accountId: accountRef,
    body: { column: 'body', kind: 'text', schema: text(20_000, 'The note'), required: true },
  },
};

export const TASK: RecordSpec = {
  type: 'task',
  plural: 'tasks',
  table: 'crm_tasks',
  idPrefix: 'task',
  summary: 'a follow-up to do for an account',
  fields: {
    accountId: accountRef,
    contactId: contactRef,
    dealId: dealRef,
    title: { column: 'title', kind: 'text', schema: text(300, 'What to do'), required: true },
    description: { column: 'description', kind: 'text', schema: text(20_000, 'Details'), nullable: true },
    dueDate: {
      column: 'due_date',
      kind: 'date',
      schema: dateSchema.describe('Due date, YYYY-MM-DD'),
      nullable: true,
    },
    status: { column: 'status', kind: 'text', schema: z.enum(TASK_STATUSES), default: 'open' },
    priority: { column: 'priority', kind: 'text', schema: z.enum(PRIORITIES), default: 'normal' },
  },
};

export const RECORD_SPECS: Readonly<Record<RecordType, RecordSpec>> = {
  account: ACCOUNT,
  contact: CONTACT,
  deal: DEAL,
  activity: ACTIVITY,
  note: NOTE,
  task: TASK,
};
