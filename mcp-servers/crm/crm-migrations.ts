import type { Migration } from '#stores/sql';

/**
 * The crm server's tables, as migrations the composition root runs with the rest of the schema
 * (app/database/schema-migrations.ts). Versions are global across every owner; a shipped
 * migration is never edited (migrate() refuses a changed one).
 */
export const CRM_MIGRATIONS: readonly Migration[] = [
  {
    version: 3,
    name: 'crm',
    // The crm server's records. Every record has an owner and a version (optimistic concurrency:
    // an update names the version it read and is refused when the row has moved on), and an
    // optional idempotency key so a caller that retries a create (an agent resumed after a crash)
    // gets the record it made the first time instead of a second one. Children belong to one
    // account. crm_changes is the append-only change log behind list_changes: one row per
    // created or updated record with its after-image, written in the same transaction as the record.
    up: `
      CREATE TABLE crm_accounts (
        id text PRIMARY KEY,
        name text NOT NULL,
        domain text,
        industry text,
        tier text NOT NULL CHECK (tier IN ('enterprise', 'mid_market', 'smb')),
        status text NOT NULL CHECK (status IN ('prospect', 'active', 'at_risk', 'churned')),
        region text,
        annual_revenue numeric(16, 2),
        employees integer,
        payment_status text NOT NULL CHECK (payment_status IN ('current', 'late', 'delinquent')),
        owner text NOT NULL,
        idempotency_key text UNIQUE,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX crm_accounts_owner ON crm_accounts (owner);
      CREATE INDEX crm_accounts_status ON crm_accounts (status);
      CREATE INDEX crm_accounts_name ON crm_accounts (lower(name), id);
      CREATE TABLE crm_contacts (
        id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES crm_accounts (id),
        name text NOT NULL,
        email text,
        phone text,
        title text,
        owner text NOT NULL,
        idempotency_key text UNIQUE,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX crm_contacts_account ON crm_contacts (account_id);
      CREATE TABLE crm_deals (
        id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES crm_accounts (id),
        name text NOT NULL,
        stage text NOT NULL CHECK (stage IN ('prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost')),
        amount numeric(16, 2) NOT NULL CHECK (amount >= 0),
        currency text NOT NULL,
        close_date date,
        owner text NOT NULL,
        idempotency_key text UNIQUE,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX crm_deals_account ON crm_deals (account_id, stage);
      CREATE TABLE crm_activities (
        id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES crm_accounts (id),
        contact_id text REFERENCES crm_contacts (id),
        deal_id text REFERENCES crm_deals (id),
        type text NOT NULL CHECK (type IN ('call', 'email', 'meeting', 'demo', 'support')),
        subject text NOT NULL,
        body text,
        sentiment text CHECK (sentiment IN ('positive', 'neutral', 'negative')),
        occurred_at timestamptz NOT NULL,
        owner text NOT NULL,
        idempotency_key text UNIQUE,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX crm_activities_account ON crm_activities (account_id, occurred_at DESC);
      CREATE TABLE crm_notes (
        id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES crm_accounts (id),
        body text NOT NULL,
        owner text NOT NULL,
        idempotency_key text UNIQUE,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX crm_notes_account ON crm_notes (account_id, created_at DESC);
      CREATE TABLE crm_tasks (
        id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES crm_accounts (id),
        contact_id text REFERENCES crm_contacts (id),
        deal_id text REFERENCES crm_deals (id),
        title text NOT NULL,
        description text,
        due_date date,
        status text NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
        priority text NOT NULL CHECK (priority IN ('low', 'normal', 'high')),
        owner text NOT NULL,
        idempotency_key text UNIQUE,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX crm_tasks_account ON crm_tasks (account_id, status, due_date);
      CREATE TABLE crm_changes (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        record_type text NOT NULL,
        record_id text NOT NULL,
        account_id text NOT NULL,
        operation text NOT NULL CHECK (operation IN ('created', 'updated')),
        version integer NOT NULL,
        changed_fields jsonb NOT NULL,
        record jsonb NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX crm_changes_at ON crm_changes (changed_at, seq);
    `,
  },
];
