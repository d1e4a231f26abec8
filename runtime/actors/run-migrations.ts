import type { Migration } from '#stores/sql';

/**
 * The durable runs' tables (sql-run-store.ts), as migrations the composition root runs with the
 * rest of the schema (app/database/schema-migrations.ts). Versions are global across every owner;
 * a shipped migration is never edited (migrate() refuses a changed one).
 */
export const RUN_MIGRATIONS: readonly Migration[] = [
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
