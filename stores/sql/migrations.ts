import type { Migration } from './migrate.js';

/**
 * Switchyard's schema, in order. Append only: a shipped migration is never edited (migrate()
 * refuses a changed one). Each later issue adds the tables it needs as it needs them.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'vector_collections',
    // The pgvector backend's catalog: one row per collection, one table per collection
    // (a table's vector column has a fixed dimension).
    up: `
      CREATE TABLE vector_collections (
        name text PRIMARY KEY,
        dimension integer NOT NULL CHECK (dimension > 0),
        metric text NOT NULL CHECK (metric IN ('cosine', 'l2', 'ip')),
        table_name text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: 'memory_graph',
    // The memory server's knowledge graph. Identity ids give read_graph the insertion order the
    // reference server keeps in its file; the unique constraints let concurrent writers use
    // ON CONFLICT instead of read-then-write. Relations have no foreign keys: the reference
    // accepts relations between entities that do not exist (yet), and so must we.
    // Observations are unique by a digest, since a btree entry cannot hold a long text.
    up: `
      CREATE TABLE memory_entities (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        entity_type text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE memory_observations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        entity_id bigint NOT NULL REFERENCES memory_entities (id) ON DELETE CASCADE,
        content text NOT NULL
      );
      CREATE UNIQUE INDEX memory_observations_unique ON memory_observations (entity_id, md5(content));
      CREATE TABLE memory_relations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        from_name text NOT NULL,
        to_name text NOT NULL,
        relation_type text NOT NULL,
        UNIQUE (from_name, to_name, relation_type)
      );
      CREATE INDEX memory_relations_to ON memory_relations (to_name);
    `,
  },
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
  {
    version: 4,
    name: 'audit_tool_calls',
    // One row per tool call through a front (the HTTP API, later the MCP front): who (the API
    // key's name; null when the API is open on loopback), what, when, how long, how it ended.
    // Arguments are stored after redaction; server is null when the tool name was unknown.
    up: `
      CREATE TABLE audit_tool_calls (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        source text NOT NULL,
        key_name text,
        tool text NOT NULL,
        server text,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL CHECK (duration_ms >= 0),
        outcome text NOT NULL CHECK (outcome IN ('ok', 'tool_error', 'error')),
        error text,
        arguments jsonb NOT NULL
      );
      CREATE INDEX audit_tool_calls_started ON audit_tool_calls (started_at);
      CREATE INDEX audit_tool_calls_key ON audit_tool_calls (key_name, started_at);
    `,
  },
  {
    version: 5,
    name: 'agent_runs',
    // Durable agent runs. `runs` holds the last persisted XState snapshot of each run (small: large
    // payloads live in run_events and run_effects) and who owns it: a run whose lease ran out
    // belongs to nobody and is resumed by the next supervisor that claims it. `wake_at` is the
    // earliest durable timer of a parked run (approval expiry, delay), for schedulers.
    // run_effects is the effects journal: one row per side effect by (run, key); a row left
    // 'started' means the outcome is unknown. run_approvals: one row per gate, keyed like effects.
    up: `
      CREATE TABLE runs (
        id text PRIMARY KEY,
        agent text NOT NULL,
        agent_version text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'awaiting_approval', 'needs_attention',
          'completed', 'failed', 'cancelled')),
        state_value jsonb,
        snapshot jsonb,
        snapshot_bytes integer NOT NULL DEFAULT 0,
        input jsonb NOT NULL,
        output jsonb,
        error jsonb,
        parent_id text,
        requested_by text,
        owner text,
        lease_until timestamptz,
        wake_at timestamptz,
        deadline_at timestamptz,
        steps integer NOT NULL DEFAULT 0,
        restarts integer NOT NULL DEFAULT 0,
        usage jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX runs_status ON runs (status, updated_at);
      CREATE INDEX runs_claimable ON runs (lease_until) WHERE status IN ('running', 'awaiting_approval');
      CREATE TABLE run_events (
        run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, seq)
      );
      CREATE TABLE run_effects (
        run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key text NOT NULL,
        kind text NOT NULL,
        name text NOT NULL,
        idempotent boolean NOT NULL,
        status text NOT NULL CHECK (status IN ('started', 'completed', 'failed')),
        attempts integer NOT NULL DEFAULT 1,
        result jsonb,
        error jsonb,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (run_id, key)
      );
      CREATE TABLE run_approvals (
        id text PRIMARY KEY,
        run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key text NOT NULL,
        what text NOT NULL,
        why text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        requested_by text,
        requested_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        state text NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'expired')),
        decided_by text,
        decided_at timestamptz,
        reason text,
        UNIQUE (run_id, key)
      );
      CREATE INDEX run_approvals_state ON run_approvals (state, requested_at);
    `,
  },
  {
    version: 6,
    name: 'runs_parent_index',
    // A fan-out's parent reads its children (listRuns by parent_id) every poll round.
    up: `CREATE INDEX runs_parent ON runs (parent_id, created_at) WHERE parent_id IS NOT NULL;`,
  },
  {
    version: 7,
    name: 'queue_state',
    // The task queue's own state when BullMQ runs on PostgreSQL (runtime/queue/sql-queue-state.ts):
    // what Redis keys hold otherwise. `namespace` is the queue's BullMQ schema, so two queues on
    // one database stay apart. An idempotency key is claimed by INSERT … ON CONFLICT, which
    // serializes concurrent claims on the primary key; an expired claim is taken over in place.
    up: `
      CREATE TABLE queue_idempotency_keys (
        namespace text NOT NULL,
        key text NOT NULL,
        run_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (namespace, key)
      );
      CREATE INDEX queue_idempotency_keys_expiry ON queue_idempotency_keys (expires_at);
      CREATE TABLE queue_agents (
        namespace text NOT NULL,
        agent text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (namespace, agent)
      );
    `,
  },
  {
    version: 8,
    name: 'audit_operations',
    // The audit log covers every operation that reads or changes data, not only tool calls:
    // `operation` is the MCP method (tools/call, resources/read, prompts/get, completion/complete)
    // and `tool` then holds the tool or prompt name, the resource URI or the completion's target.
    // An agent's calls carry the run that made them.
    up: `
      ALTER TABLE audit_tool_calls ADD COLUMN operation text NOT NULL DEFAULT 'tools/call';
      ALTER TABLE audit_tool_calls ADD COLUMN run_id text;
      CREATE INDEX audit_tool_calls_run ON audit_tool_calls (run_id) WHERE run_id IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: 'queued_runs',
    // Accept = persist: a submitted task is a run row (status 'queued') before its submitter hears
    // its id; the queue only wakes workers, and is rebuilt from these rows when it loses jobs.
    // `task` keeps what the queue needs to enqueue it again (priority, attempts, backoff, delay,
    // timeout); an idempotency key names its run for as long as the run exists. The partial index
    // serves the reconciler's one query (queued runs older than a grace period).
    up: `
      ALTER TABLE runs DROP CONSTRAINT runs_status_check;
      ALTER TABLE runs ADD CONSTRAINT runs_status_check CHECK (status IN ('queued', 'running',
        'awaiting_approval', 'needs_attention', 'completed', 'failed', 'cancelled'));
      ALTER TABLE runs ADD COLUMN idempotency_key text;
      ALTER TABLE runs ADD COLUMN task jsonb;
      CREATE UNIQUE INDEX runs_idempotency_key ON runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX runs_queued ON runs (created_at) WHERE status = 'queued';
    `,
  },
];
