import type { Sql, SqlDriverName } from '#stores/sql';
import type { RunEvent } from './run-records.js';
import type { NewRun, RunCheckpoint } from './run-store.js';

/**
 * The writes every run makes — its creation and its checkpoints, each with its events — as one
 * statement for any mix of runs, so that one group commit ({@link WriteBatcher}) carries both kinds:
 * under load one round trip, parse and commit serves the runs starting and the runs moving on
 * alike, instead of a statement for each kind.
 */

/** A run's creation, or a checkpoint of a run this process owns. */
export type RunWrite =
  | { kind: 'create'; run: NewRun }
  | { kind: 'checkpoint'; id: string; owner: string; checkpoint: RunCheckpoint; events: readonly RunEvent[] };

/**
 * What a write did: a creation answers the created run's row (undefined: the run existed past
 * `queued`, nothing was written); a checkpoint whether it landed (false: its owner no longer holds
 * the run, or it is final).
 */
export type RunWriteResult = Record<string, unknown> | undefined | boolean;

export const RUN_COLUMNS = `id, agent, agent_version, status, state_value, input, output, error, parent_id,
  requested_by, owner, steps, restarts, usage, snapshot_bytes, wake_at, deadline_at, created_at,
  updated_at, finished_at`;

/**
 * Statements of run writes in flight at once, by driver. On a PostgreSQL server two, not one: while
 * one commits (waits for its WAL flush) the next is already on its way, and the server flushes both
 * with one write when they meet; with one, every run in the process waited for each commit in turn.
 * Measured with bench:queue (agent runs, concurrency 8, one worker process, 3 rounds in
 * alternation): 1.35× the tasks/s of one (per round 1.35, 1.48, 1.03); three gained nothing over
 * two. PGlite runs one statement at a time, so a second in flight would only wait there, holding
 * writes that could have joined the next batch: one.
 */
export const runWritesInFlight = (driver: SqlDriverName): number => (driver === 'pg' ? 2 : 1);

/** The run's id: a run has at most one write in a statement (its rows must not be written twice). */
export const runIdOf = (write: RunWrite): string => (write.kind === 'create' ? write.run.id : write.id);

/** Roughly the bytes a write sends: a checkpoint's snapshot dominates it. */
export const runWriteSize = (write: RunWrite): number =>
  write.kind === 'checkpoint' ? write.checkpoint.snapshotBytes : 0;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/**
 * One statement for any mix of creations and checkpoints (columns as arrays: the text is the same
 * for any count, so each connection prepares it once). Data-modifying CTEs see the rows as they
 * were before the statement, which is why a run may appear only once.
 *
 * - `created`: a run accepted earlier (`queued`) is claimed and gets its parsed input, owner, lease
 *   and deadline (the deadline counts from the start, not from the wait in the queue); a run with
 *   no row is inserted; a run past `queued` is left alone, and so are its events.
 * - `updated`: each checkpoint applies only while its owner holds the run and it is not final.
 * - `appended`: the events of the runs created or updated. Only a run's owner gets this far, and it
 *   numbers its events itself: an event already in the log is this same write sent again (its first
 *   commit's answer was lost with the connection), so it is skipped rather than failing — and
 *   retried — forever.
 */
const WRITE_RUNS = `WITH created AS (
    INSERT INTO runs (id, agent, agent_version, status, input, parent_id, requested_by, owner, lease_until,
      deadline_at)
    SELECT r.id, r.agent, r.agent_version, 'running', r.input::jsonb, r.parent_id, r.requested_by, r.owner,
      now() + r.lease_ms * interval '1 millisecond', r.deadline_at
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
      $8::double precision[], $9::timestamptz[])
      AS r (id, agent, agent_version, input, parent_id, requested_by, owner, lease_ms, deadline_at)
    ON CONFLICT (id) DO UPDATE SET status = 'running', agent_version = EXCLUDED.agent_version,
      input = EXCLUDED.input, owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until,
      deadline_at = EXCLUDED.deadline_at, updated_at = now()
      WHERE runs.status = 'queued'
    RETURNING ${RUN_COLUMNS}),
  updated AS (
    UPDATE runs SET status = c.status, state_value = c.state_value::jsonb, snapshot = c.snapshot::jsonb,
      snapshot_bytes = c.snapshot_bytes, steps = c.steps, usage = c.usage::jsonb, wake_at = c.wake_at,
      output = c.output::jsonb, error = c.error::jsonb, updated_at = now(),
      finished_at = CASE WHEN c.status IN ('completed', 'failed', 'cancelled') THEN now() ELSE NULL END,
      owner = CASE WHEN c.status IN ('completed', 'failed', 'cancelled', 'needs_attention') THEN NULL
        ELSE runs.owner END
    FROM unnest($10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::integer[],
      $16::integer[], $17::text[], $18::timestamptz[], $19::text[], $20::text[])
      AS c (id, owner, status, state_value, snapshot, snapshot_bytes, steps, usage, wake_at, output, error)
    WHERE runs.id = c.id AND runs.owner = c.owner
      AND runs.status NOT IN ('completed', 'failed', 'cancelled')
    RETURNING runs.id),
  appended AS (
    INSERT INTO run_events (run_id, seq, type, data, at)
    SELECT e.run_id, e.seq, e.type, e.data::jsonb, e.at
    FROM unnest($21::text[], $22::integer[], $23::text[], $24::text[], $25::timestamptz[])
      AS e (run_id, seq, type, data, at)
    WHERE e.run_id IN (SELECT id FROM created UNION ALL SELECT id FROM updated)
    ON CONFLICT (run_id, seq) DO NOTHING
    RETURNING 1)
  SELECT true AS created, created.* FROM created
  UNION ALL
  SELECT false, updated.id${', NULL'.repeat(RUN_COLUMNS.split(',').length - 1)} FROM updated`;

/** Writes `writes` (at most one per run) in one statement; one result per write, in order. */
export async function writeRuns(sql: Sql, writes: readonly RunWrite[]): Promise<RunWriteResult[]> {
  const creates = writes.flatMap((w) => (w.kind === 'create' ? [w.run] : []));
  const checkpoints = writes.flatMap((w) => (w.kind === 'checkpoint' ? [w] : []));
  const events = writes.flatMap((w) => (w.kind === 'create' ? (w.run.events ?? []) : w.events));
  const checkpointColumn = <T>(of: (c: RunCheckpoint) => T) => checkpoints.map((w) => of(w.checkpoint));
  const { rows } = await sql.query<Record<string, unknown> & { created: boolean }>(WRITE_RUNS, [
    creates.map((r) => r.id),
    creates.map((r) => r.agent),
    creates.map((r) => r.agentVersion),
    creates.map((r) => json(r.input ?? null)),
    creates.map((r) => r.parentId ?? null),
    creates.map((r) => r.requestedBy ?? null),
    creates.map((r) => r.owner),
    creates.map((r) => r.leaseMs),
    creates.map((r) => r.deadlineAt ?? null),
    checkpoints.map((w) => w.id),
    checkpoints.map((w) => w.owner),
    checkpointColumn((c) => c.status),
    checkpointColumn((c) => json(c.stateValue ?? null)),
    checkpointColumn((c) => json(c.snapshot)),
    checkpointColumn((c) => c.snapshotBytes),
    checkpointColumn((c) => c.steps),
    checkpointColumn((c) => json(c.usage)),
    checkpointColumn((c) => c.wakeAt ?? null),
    checkpointColumn((c) => json(c.output)),
    checkpointColumn((c) => json(c.error)),
    events.map((e) => e.runId),
    events.map((e) => e.seq),
    events.map((e) => e.type),
    events.map((e) => json(e.data)),
    events.map((e) => e.at),
  ]);
  const createdRows = new Map<string, Record<string, unknown>>();
  const updatedIds = new Set<string>();
  for (const { created, ...row } of rows) {
    if (created) createdRows.set(row.id as string, row);
    else updatedIds.add(row.id as string);
  }
  return writes.map((w) => (w.kind === 'create' ? createdRows.get(w.run.id) : updatedIds.has(w.id)));
}
