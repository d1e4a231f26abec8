import { type Sql, WriteBatcher } from '#stores/sql';
import { NotFoundError } from '#core';
import { LeaseLostError } from './run-errors.js';
import {
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalState,
  EMPTY_USAGE,
  type EffectRecord,
  type RunEvent,
  type RunRecord,
  type RunStatus,
} from './run-records.js';
import {
  type AcceptedRun,
  type NewApproval,
  type NewQueuedRun,
  type NewRun,
  type QueuedRunRecord,
  type QueuedTask,
  PARKED_GRACE_MS,
  PARKED_OWNER,
  type RunCheckpoint,
  type RunFilter,
  type RunStore,
  type StoredSnapshot,
} from './run-store.js';
import {
  RUN_COLUMNS,
  type RunWrite,
  type RunWriteResult,
  runIdOf,
  runWritesInFlight,
  runWriteSize,
  writeRuns,
} from './sql-run-writes.js';

const LIVE = `status IN ('running', 'awaiting_approval')`;

type Row = Record<string, unknown>;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const optional = <T>(value: unknown): T | undefined => (value === null ? undefined : (value as T));

function toRun(row: Row): RunRecord {
  return {
    id: row.id as string,
    agent: row.agent as string,
    agentVersion: row.agent_version as string,
    status: row.status as RunStatus,
    stateValue: row.state_value ?? null,
    input: row.input,
    output: optional(row.output),
    error: optional(row.error),
    parentId: optional(row.parent_id),
    requestedBy: optional(row.requested_by),
    owner: optional(row.owner),
    steps: row.steps as number,
    restarts: row.restarts as number,
    usage: { ...EMPTY_USAGE, ...(row.usage as object) },
    snapshotBytes: row.snapshot_bytes as number,
    wakeAt: optional(row.wake_at),
    deadlineAt: optional(row.deadline_at),
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    finishedAt: optional(row.finished_at),
  };
}

function toEffect(row: Row): EffectRecord {
  return {
    runId: row.run_id as string,
    key: row.key as string,
    kind: row.kind as string,
    name: row.name as string,
    idempotent: row.idempotent as boolean,
    status: row.status as EffectRecord['status'],
    attempts: row.attempts as number,
    result: optional(row.result),
    error: optional(row.error),
    startedAt: row.started_at as Date,
    finishedAt: optional(row.finished_at),
  };
}

function toApproval(row: Row): ApprovalRecord {
  return {
    id: row.id as string,
    runId: row.run_id as string,
    key: row.key as string,
    what: row.what as string,
    why: row.why as string,
    details: row.details as Record<string, unknown>,
    requestedBy: optional(row.requested_by),
    requestedAt: row.requested_at as Date,
    expiresAt: optional(row.expires_at),
    state: row.state as ApprovalState,
    decidedBy: optional(row.decided_by),
    decidedAt: optional(row.decided_at),
    reason: optional(row.reason),
  };
}

/**
 * The run store on the SQL store (PGlite or PostgreSQL), tables of migration 5.
 *
 * The two writes every run makes — its creation and its checkpoints — share one group commit
 * across runs ({@link WriteBatcher} over {@link writeRuns}): concurrent runs, starting or moving on,
 * share statements, round trips and commits, while each caller still gets its own row's outcome.
 */
export class SqlRunStore implements RunStore {
  private readonly writes: WriteBatcher<RunWrite, RunWriteResult>;

  constructor(private readonly sql: Sql) {
    this.writes = new WriteBatcher({
      keyOf: runIdOf,
      sizeOf: runWriteSize,
      maxInFlight: runWritesInFlight(sql.driver),
      write: (writes) => writeRuns(this.sql, writes),
    });
  }

  async createRun(run: NewRun): Promise<RunRecord | undefined> {
    const row = (await this.writes.write({ kind: 'create', run })) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  async acceptRuns(runs: readonly NewQueuedRun[]): Promise<AcceptedRun[]> {
    // One transaction: a flow's parent and children are accepted together or not at all.
    return this.sql.transaction(async (tx) => {
      const accepted: AcceptedRun[] = [];
      for (const run of runs) {
        // Any unique violation (the id, or an idempotency key another run holds) writes nothing;
        // a concurrent submit with the same key waits on the index and then finds the winner.
        const inserted = await tx.query<{ id: string }>(
          `INSERT INTO runs (id, agent, agent_version, status, input, parent_id, requested_by,
             idempotency_key, task)
           VALUES ($1, $2, $3, 'queued', $4::jsonb, $5, $6, $7, $8::jsonb)
           ON CONFLICT DO NOTHING RETURNING id`,
          [
            run.id,
            run.agent,
            run.agentVersion,
            json(run.input ?? null),
            run.parentId ?? null,
            run.requestedBy ?? null,
            run.idempotencyKey ?? null,
            json(run.task),
          ],
        );
        if (inserted.rows[0]) {
          accepted.push({ runId: run.id, created: true, status: 'queued' });
          continue;
        }
        const { rows } = await tx.query<{ id: string; status: RunStatus }>(
          `SELECT id, status FROM runs WHERE ($1::text IS NOT NULL AND idempotency_key = $1) OR id = $2
           ORDER BY (id = $2) LIMIT 1`,
          [run.idempotencyKey ?? null, run.id],
        );
        if (!rows[0]) throw new NotFoundError('run', run.id);
        accepted.push({ runId: rows[0].id, created: false, status: rows[0].status });
      }
      return accepted;
    });
  }

  async failQueued(id: string, error: { code: string; message: string }): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE runs SET status = 'failed', error = $2::jsonb, updated_at = now(), finished_at = now()
       WHERE id = $1 AND status = 'queued'`,
      [id, json(error)],
    );
    return rowCount > 0;
  }

  async listQueued(olderThanMs: number, limit: number): Promise<QueuedRunRecord[]> {
    const { rows } = await this.sql.query(
      `SELECT id, agent, input, task, parent_id, requested_by, created_at FROM runs
       WHERE status = 'queued' AND created_at < now() - $1 * interval '1 millisecond'
       ORDER BY created_at, id LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((row) => ({
      id: row.id as string,
      agent: row.agent as string,
      input: row.input,
      task: (row.task ?? {}) as QueuedTask,
      parentId: optional(row.parent_id),
      requestedBy: optional(row.requested_by),
      createdAt: row.created_at as Date,
    }));
  }

  async listStrandedParked(graceMs: number, limit: number): Promise<Array<{ id: string; agent: string }>> {
    const { rows } = await this.sql.query<{ id: string; agent: string }>(
      `SELECT id, agent FROM runs r
       WHERE owner = $1 AND ${LIVE} AND (
         lease_until < now() - $2 * interval '1 millisecond'
         -- Decided since it last moved (its last checkpoint), and nothing else pending.
         OR (NOT EXISTS (SELECT 1 FROM run_approvals a WHERE a.run_id = r.id AND a.state = 'pending')
           AND EXISTS (SELECT 1 FROM run_approvals a WHERE a.run_id = r.id
             AND a.decided_at > r.updated_at AND a.decided_at < now() - $2 * interval '1 millisecond')))
       ORDER BY updated_at, id LIMIT $3`,
      [PARKED_OWNER, graceMs, limit],
    );
    return rows;
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const { rows } = await this.sql.query(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async loadSnapshot(id: string): Promise<StoredSnapshot | undefined> {
    const { rows } = await this.sql.query(`SELECT ${RUN_COLUMNS}, snapshot FROM runs WHERE id = $1`, [id]);
    const row = rows[0];
    return row ? { run: toRun(row), snapshot: row.snapshot ?? undefined } : undefined;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.ids !== undefined) {
      params.push(filter.ids);
      where.push(`id = ANY($${params.length}::text[])`);
    }
    if (filter.status !== undefined) {
      params.push([filter.status].flat());
      where.push(`status = ANY($${params.length}::text[])`);
    }
    if (filter.agent !== undefined) {
      params.push(filter.agent);
      where.push(`agent = $${params.length}`);
    }
    if (filter.parentId !== undefined) {
      params.push(filter.parentId);
      where.push(`parent_id = $${params.length}`);
    }
    params.push(filter.limit ?? 100);
    const { rows } = await this.sql.query(
      `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRun);
  }

  async checkpoint(id: string, owner: string, c: RunCheckpoint, events: RunEvent[] = []): Promise<void> {
    // false: its owner no longer holds the run, or it is final.
    if (!(await this.writes.write({ kind: 'checkpoint', id, owner, checkpoint: c, events }))) {
      throw new LeaseLostError(id, owner);
    }
  }

  async setStatus(id: string, status: RunStatus, error?: RunRecord['error']): Promise<RunRecord> {
    const { rows } = await this.sql.query(
      `UPDATE runs SET status = $2, error = COALESCE($3::jsonb, error), owner = NULL, lease_until = NULL,
         updated_at = now(),
         finished_at = CASE WHEN $2 IN ('completed', 'failed', 'cancelled') THEN now() ELSE NULL END
       WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
      [id, status, json(error)],
    );
    if (!rows[0]) throw new NotFoundError('run', id);
    return toRun(rows[0]);
  }

  async countRestart(id: string): Promise<number> {
    const { rows } = await this.sql.query<{ restarts: number }>(
      `UPDATE runs SET restarts = restarts + 1 WHERE id = $1 RETURNING restarts`,
      [id],
    );
    return rows[0]?.restarts ?? 0;
  }

  async claimOrphans(
    owner: string,
    leaseMs: number,
    options: { limit?: number; all?: boolean } = {},
  ): Promise<string[]> {
    // SKIP LOCKED: two supervisors claiming at once split the orphans instead of waiting.
    const { rows } = await this.sql.query<{ id: string }>(
      `UPDATE runs SET owner = $1, lease_until = now() + $2 * interval '1 millisecond'
       WHERE id IN (
         SELECT id FROM runs
         WHERE ${LIVE} AND ($4 OR owner IS NULL OR lease_until IS NULL
           OR lease_until < now() - CASE WHEN owner = $5 THEN $6 * interval '1 millisecond' ELSE interval '0' END)
         ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING id, created_at`,
      [owner, leaseMs, options.limit ?? 1000, options.all ?? false, PARKED_OWNER, PARKED_GRACE_MS],
    );
    return rows.map((r) => r.id);
  }

  async claimRun(
    id: string,
    owner: string,
    leaseMs: number,
    options: { force?: boolean } = {},
  ): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `UPDATE runs SET owner = $2, lease_until = now() + $3 * interval '1 millisecond'
       WHERE id = $1 AND status IN ('running', 'awaiting_approval', 'needs_attention')
         AND ($4 OR owner IS NULL OR owner = $2 OR owner = $5 OR lease_until IS NULL OR lease_until < now())`,
      [id, owner, leaseMs, options.force ?? false, PARKED_OWNER],
    );
    return rowCount > 0;
  }

  async park(id: string, owner: string, until: Date | null): Promise<boolean> {
    // 'infinity': a run waiting for a person with no expiry is never an orphan while parked.
    const { rowCount } = await this.sql.query(
      `UPDATE runs SET owner = $3, lease_until = COALESCE($4::timestamptz, 'infinity'::timestamptz)
       WHERE id = $1 AND owner = $2 AND ${LIVE}`,
      [id, owner, PARKED_OWNER, until],
    );
    return rowCount > 0;
  }

  async renewLeases(owner: string, leaseMs: number): Promise<number> {
    // SKIP LOCKED: a run whose checkpoint is being written is renewed at the next tick instead of
    // waited for — a batched checkpoint holds several rows, and waiting on each other in different
    // orders the two statements would deadlock.
    const { rowCount } = await this.sql.query(
      `UPDATE runs SET lease_until = now() + $2 * interval '1 millisecond'
       WHERE id IN (SELECT id FROM runs WHERE owner = $1 AND ${LIVE} FOR UPDATE SKIP LOCKED)`,
      [owner, leaseMs],
    );
    return rowCount;
  }

  async ownedRunIds(owner: string): Promise<string[]> {
    const { rows } = await this.sql.query<{ id: string }>(
      `SELECT id FROM runs WHERE owner = $1 AND ${LIVE}`,
      [owner],
    );
    return rows.map((r) => r.id);
  }

  async release(id: string, owner: string): Promise<void> {
    await this.sql.query(`UPDATE runs SET owner = NULL, lease_until = NULL WHERE id = $1 AND owner = $2`, [
      id,
      owner,
    ]);
  }

  async appendEvents(events: RunEvent[]): Promise<void> {
    if (events.length === 0) return;
    const params: unknown[] = [];
    const values = events.map((e) => {
      params.push(e.runId, e.seq, e.type, json(e.data), e.at);
      const n = params.length;
      return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}::jsonb, $${n})`;
    });
    // As with a checkpoint's events: an event already in the log is this write sent again (its
    // first answer was lost), so it is skipped, not retried for ever.
    await this.sql.query(
      `INSERT INTO run_events (run_id, seq, type, data, at) VALUES ${values.join(', ')}
       ON CONFLICT (run_id, seq) DO NOTHING`,
      params,
    );
  }

  async listEvents(runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<RunEvent[]> {
    const { rows } = await this.sql.query(
      `SELECT run_id, seq, type, data, at FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [runId, options.afterSeq ?? 0, options.limit ?? 1000],
    );
    return rows.map((r) => ({
      runId: r.run_id as string,
      seq: r.seq as number,
      type: r.type as string,
      data: r.data as Record<string, unknown>,
      at: r.at as Date,
    }));
  }

  async lastEventSeq(runId: string): Promise<number> {
    const { rows } = await this.sql.query<{ seq: number | null }>(
      `SELECT max(seq) AS seq FROM run_events WHERE run_id = $1`,
      [runId],
    );
    return rows[0]?.seq ?? 0;
  }

  async getEffect(runId: string, key: string): Promise<EffectRecord | undefined> {
    const { rows } = await this.sql.query(`SELECT * FROM run_effects WHERE run_id = $1 AND key = $2`, [
      runId,
      key,
    ]);
    return rows[0] ? toEffect(rows[0]) : undefined;
  }

  async beginEffect(
    effect: Pick<EffectRecord, 'runId' | 'key' | 'kind' | 'name' | 'idempotent'> & { owner?: string },
  ): Promise<{ effect: EffectRecord; created: boolean }> {
    const owner = effect.owner ?? null;
    const { rows } = await this.sql.query(
      `INSERT INTO run_effects (run_id, key, kind, name, idempotent, status)
       SELECT $1, $2, $3, $4, $5, 'started'
       WHERE $6::text IS NULL OR EXISTS (SELECT 1 FROM runs WHERE id = $1 AND owner = $6)
       ON CONFLICT (run_id, key) DO NOTHING RETURNING *`,
      [effect.runId, effect.key, effect.kind, effect.name, effect.idempotent, owner],
    );
    if (rows[0]) return { effect: toEffect(rows[0]), created: true };
    if (owner !== null) await this.assertHolds(effect.runId, owner);
    const existing = await this.getEffect(effect.runId, effect.key);
    if (!existing) throw new NotFoundError('effect', `${effect.runId}/${effect.key}`);
    return { effect: existing, created: false };
  }

  async retryEffect(runId: string, key: string, owner?: string): Promise<void> {
    const { rowCount } = await this.sql.query(
      `UPDATE run_effects SET attempts = attempts + 1, status = 'started', started_at = now(), finished_at = NULL
       WHERE run_id = $1 AND key = $2
         AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM runs WHERE id = $1 AND owner = $3))`,
      [runId, key, owner ?? null],
    );
    if (rowCount === 0 && owner !== undefined) await this.assertHolds(runId, owner);
  }

  async finishEffect(
    runId: string,
    key: string,
    outcome:
      | { status: 'completed'; result: unknown }
      | { status: 'failed'; error: { code: string; message: string } },
    owner?: string,
  ): Promise<void> {
    const { rowCount } = await this.sql.query(
      `UPDATE run_effects SET status = $3, result = $4::jsonb, error = $5::jsonb, finished_at = now()
       WHERE run_id = $1 AND key = $2
         AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM runs WHERE id = $1 AND owner = $6))`,
      [
        runId,
        key,
        outcome.status,
        outcome.status === 'completed' ? json(outcome.result ?? null) : null,
        outcome.status === 'failed' ? json(outcome.error) : null,
        owner ?? null,
      ],
    );
    if (rowCount === 0 && owner !== undefined) await this.assertHolds(runId, owner);
  }

  /** Throws LeaseLostError unless `owner` holds the run now. */
  private async assertHolds(runId: string, owner: string): Promise<void> {
    const { rows } = await this.sql.query<{ owner: string | null }>(`SELECT owner FROM runs WHERE id = $1`, [
      runId,
    ]);
    if (rows[0]?.owner !== owner) throw new LeaseLostError(runId, owner);
  }

  async listEffects(runId: string): Promise<EffectRecord[]> {
    const { rows } = await this.sql.query(
      `SELECT * FROM run_effects WHERE run_id = $1 ORDER BY started_at, key`,
      [runId],
    );
    return rows.map(toEffect);
  }

  async requestApproval(a: NewApproval): Promise<{ approval: ApprovalRecord; created: boolean }> {
    const inserted = await this.sql.query(
      `INSERT INTO run_approvals (id, run_id, key, what, why, details, requested_by, expires_at, state)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, 'pending') ON CONFLICT (run_id, key) DO NOTHING`,
      [
        a.id,
        a.runId,
        a.key,
        a.what,
        a.why,
        json(a.details ?? {}),
        a.requestedBy ?? null,
        a.expiresAt ?? null,
      ],
    );
    const { rows } = await this.sql.query(`SELECT * FROM run_approvals WHERE run_id = $1 AND key = $2`, [
      a.runId,
      a.key,
    ]);
    return { approval: toApproval(rows[0]!), created: inserted.rowCount > 0 };
  }

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    const { rows } = await this.sql.query(`SELECT * FROM run_approvals WHERE id = $1`, [id]);
    return rows[0] ? toApproval(rows[0]) : undefined;
  }

  async listApprovals(
    filter: { state?: ApprovalState; runId?: string; limit?: number } = {},
  ): Promise<ApprovalRecord[]> {
    const { rows } = await this.sql.query(
      `SELECT * FROM run_approvals WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR run_id = $2)
       ORDER BY requested_at, id LIMIT $3`,
      [filter.state ?? null, filter.runId ?? null, filter.limit ?? 100],
    );
    return rows.map(toApproval);
  }

  async decideApproval(
    id: string,
    decision: ApprovalDecision | { expired: true },
  ): Promise<{ approval: ApprovalRecord; changed: boolean }> {
    const expired = 'expired' in decision;
    const { rows } = await this.sql.query(
      `UPDATE run_approvals SET state = $2, decided_by = $3, reason = $4, decided_at = now()
       WHERE id = $1 AND state = 'pending' RETURNING *`,
      [
        id,
        expired ? 'expired' : decision.approved ? 'approved' : 'rejected',
        expired ? 'switchyard' : decision.decidedBy,
        expired ? 'the approval expired' : (decision.reason ?? null),
      ],
    );
    if (rows[0]) return { approval: toApproval(rows[0]), changed: true };
    const current = await this.getApproval(id);
    if (!current) throw new NotFoundError('approval', id);
    return { approval: current, changed: false };
  }
}
