import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJournaledEffect } from '../../../../runtime/actors/effects-journal.js';
import { LeaseLostError, OutcomeUnknownError } from '../../../../runtime/actors/run-errors.js';
import { EMPTY_USAGE } from '../../../../runtime/actors/run-records.js';
import { SqlRunStore } from '../../../../runtime/actors/sql-run-store.js';
import { runWritesInFlight } from '../../../../runtime/actors/sql-run-writes.js';
import { PARKED_OWNER } from '../../../../runtime/actors/run-store.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { countingSql } from '../../../support/counting-sql.js';
import { SQL_TARGETS, uniqueSchema } from '../../../support/sql-targets.js';

const checkpointOf = (status: 'running' | 'completed' = 'running') => ({
  status,
  stateValue: 's',
  snapshot: { value: 's' },
  snapshotBytes: 13,
  steps: 1,
  usage: EMPTY_USAGE,
});

describe.each(SQL_TARGETS)('SqlRunStore on $name', { timeout: 60_000 }, (target) => {
  let sql: Sql;
  let store: SqlRunStore;
  const schema = uniqueSchema('runs');
  let n = 0;
  const newRun = async (owner: string, leaseMs = 60_000) => {
    const run = await store.createRun({
      id: `run-${++n}`,
      agent: 'a',
      agentVersion: '1',
      input: { n },
      owner,
      leaseMs,
    });
    if (!run) throw new Error(`run-${n} exists already`);
    return run;
  };

  beforeAll(async () => {
    sql = await target.open(schema);
    await migrate(sql, MIGRATIONS);
    store = new SqlRunStore(sql);
  });
  afterAll(async () => {
    await sql.close();
    await target.cleanup(schema);
  });

  it('lets only the lease holder checkpoint, and writes its events in the same statement', async () => {
    const run = await newRun('A');
    const event = { runId: run.id, seq: 1, type: 'x', data: { a: 1 }, at: new Date() };
    await expect(store.checkpoint(run.id, 'B', checkpointOf(), [event])).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(await store.listEvents(run.id)).toEqual([]); // the stranger's events did not land either
    await store.checkpoint(run.id, 'A', checkpointOf(), [event]);
    expect((await store.listEvents(run.id)).map((e) => e.type)).toEqual(['x']);
    await store.checkpoint(run.id, 'A', checkpointOf('completed'));
    const done = await store.getRun(run.id);
    expect(done).toMatchObject({ status: 'completed', owner: undefined });
    // A finished run takes no more checkpoints, even from its last owner.
    await expect(store.checkpoint(run.id, 'A', checkpointOf())).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('takes a checkpoint sent again after its answer was lost: its events are not doubled', async () => {
    // A connection that drops after COMMIT and before the reply leaves the writer retrying a
    // write that landed; the retry must land too, not fail on the events already in the log.
    const run = await newRun('A');
    const events = [1, 2].map((seq) => ({
      runId: run.id,
      seq,
      type: `e${seq}`,
      data: { seq },
      at: new Date(),
    }));
    await store.checkpoint(run.id, 'A', checkpointOf(), events);
    await store.checkpoint(run.id, 'A', checkpointOf(), events);
    expect((await store.listEvents(run.id)).map((e) => [e.seq, e.type])).toEqual([
      [1, 'e1'],
      [2, 'e2'],
    ]);
  });

  it('creates a run once: a second create with the same id writes nothing', async () => {
    const run = await newRun('A');
    const again = await store.createRun({
      id: run.id,
      agent: 'b',
      agentVersion: '2',
      input: { other: true },
      owner: 'B',
      leaseMs: 1,
    });
    expect(again).toBeUndefined();
    expect(await store.getRun(run.id)).toMatchObject({ agent: 'a', owner: 'A', input: run.input });
  });

  it('creates a run with its first events in the same statement, and not the events of a run that exists', async () => {
    const started = (id: string, owner: string) => ({
      runId: id,
      seq: 1,
      type: 'run_started',
      data: { owner },
      at: new Date(),
    });
    const id = `run-${++n}`;
    const base = { id, agent: 'a', agentVersion: '1', input: null, leaseMs: 60_000 };
    const counting = countingSql(sql);
    const counted = new SqlRunStore(counting.sql);
    expect(await counted.createRun({ ...base, owner: 'A', events: [started(id, 'A')] })).toBeDefined();
    expect(counting.statements).toHaveLength(1);
    expect(await counted.createRun({ ...base, owner: 'B', events: [started(id, 'B')] })).toBeUndefined();
    expect((await store.listEvents(id)).map((e) => [e.type, e.data])).toEqual([
      ['run_started', { owner: 'A' }],
    ]);
  });

  it('concurrent writes of many runs share statements, and each caller gets its own outcome', async () => {
    // Counts the statements the store sends: 40 runs created and checkpointed at once must take
    // far fewer than 80 (batched), and one run lost to another owner must fail alone.
    const counting = countingSql(sql);
    const counted = new SqlRunStore(counting.sql);
    const ids = Array.from({ length: 40 }, () => `run-${++n}`);
    const created = await Promise.all(
      ids.map((id, i) =>
        counted.createRun({
          id,
          agent: 'a',
          agentVersion: '1',
          input: { i, quote: `it's "quoted" \\ and {braced}` },
          owner: 'A',
          leaseMs: 60_000,
          events: [{ runId: id, seq: 1, type: 'run_started', data: { i }, at: new Date() }],
        }),
      ),
    );
    expect(created.map((run) => run?.id)).toEqual(ids);
    expect(created[7]!.input).toEqual({ i: 7, quote: `it's "quoted" \\ and {braced}` });
    expect(counting.statements.length).toBeLessThan(10);

    await store.claimRun(ids[3]!, 'B', 60_000, { force: true });
    counting.statements.length = 0;
    const outcomes = await Promise.allSettled(
      ids.map((id, i) =>
        counted.checkpoint(id, 'A', { ...checkpointOf('completed'), output: { i } }, [
          { runId: id, seq: 2, type: 'run_completed', data: { i }, at: new Date() },
        ]),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1);
    expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
    expect(counting.statements.length).toBeLessThan(10);
    const runs = await Promise.all(ids.map((id) => store.getRun(id)));
    expect(runs.map((run) => run?.status)).toEqual(ids.map((_, i) => (i === 3 ? 'running' : 'completed')));
    expect(runs[12]!.output).toEqual({ i: 12 });
    expect((await store.listEvents(ids[12]!)).map((e) => [e.seq, e.type, e.data])).toEqual([
      [1, 'run_started', { i: 12 }],
      [2, 'run_completed', { i: 12 }],
    ]);
    expect((await store.listEvents(ids[3]!)).map((e) => e.type)).toEqual(['run_started']);
  });

  it('a checkpoint the database refuses fails only its own caller; the others of its batch land', async () => {
    const runs = await Promise.all([newRun('A'), newRun('A'), newRun('A'), newRun('A')]);
    const outcomes = await Promise.allSettled(
      runs.map((run, i) =>
        store.checkpoint(run.id, 'A', {
          ...checkpointOf('completed'),
          // 'bogus' breaks the status CHECK constraint: the whole statement fails.
          ...(i === 2 ? { status: 'bogus' as 'completed' } : {}),
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/check constraint/i);
    const statuses = await Promise.all(runs.map(async (run) => (await store.getRun(run.id))?.status));
    expect(statuses).toEqual(['completed', 'completed', 'running', 'completed']);
  });

  it('creations and checkpoints share a statement; a member the database refuses fails alone', async () => {
    const counting = countingSql(sql);
    const counted = new SqlRunStore(counting.sql);
    const existing = await Promise.all([newRun('A'), newRun('A'), newRun('A')]);
    const fresh = Array.from({ length: 3 }, () => `run-${++n}`);
    const started = (id: string) => [{ runId: id, seq: 1, type: 'run_started', data: {}, at: new Date() }];
    const writeAll = (bad?: number) =>
      Promise.allSettled([
        ...existing.map((run, i) =>
          counted.checkpoint(run.id, 'A', {
            ...checkpointOf('completed'),
            // 'bogus' breaks the status CHECK constraint: the whole statement fails.
            ...(i === bad ? { status: 'bogus' as 'completed' } : {}),
          }),
        ),
        ...fresh.map((id) =>
          counted.createRun({
            id,
            agent: 'a',
            agentVersion: '1',
            input: null,
            owner: 'A',
            leaseMs: 60_000,
            events: started(id),
          }),
        ),
      ]);
    // Held behind the writes in flight, the six go out together as one statement, and fail there.
    const blockers = Array.from({ length: runWritesInFlight(sql.driver) }, () =>
      counted.createRun({
        id: `run-${++n}`,
        agent: 'a',
        agentVersion: '1',
        input: null,
        owner: 'A',
        leaseMs: 1,
      }),
    );
    const outcomes = await writeAll(1);
    await Promise.all(blockers);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/check constraint/i);
    // The blockers, the failed batch of six (both kinds in one statement), then each of the six alone.
    expect(counting.statements).toHaveLength(runWritesInFlight(sql.driver) + 1 + 6);
    expect(new Set(counting.statements).size).toBe(1);
    const statuses = await Promise.all(
      [...existing.map((r) => r.id), ...fresh].map(async (id) => (await store.getRun(id))?.status),
    );
    expect(statuses).toEqual(['completed', 'running', 'completed', 'running', 'running', 'running']);
    expect((await store.listEvents(fresh[2]!)).map((e) => e.type)).toEqual(['run_started']);
  });

  it('parks a run: no orphan claim takes it before its wake time and grace; a claim of it does', async () => {
    const run = await newRun('A');
    expect(await store.park(run.id, 'B', null)).toBe(false); // only its owner parks it
    expect(await store.park(run.id, 'A', new Date(Date.now() - 1_000))).toBe(true);
    expect((await store.getRun(run.id))?.owner).toBe(PARKED_OWNER);
    // Its wake time passed, but the wake-up job gets PARKED_GRACE_MS before orphan claims step in.
    expect(await store.claimOrphans('C', 60_000)).not.toContain(run.id);
    expect(await store.claimRun(run.id, 'D', 60_000)).toBe(true);
    expect((await store.getRun(run.id))?.owner).toBe('D');

    const waiting = await newRun('A');
    expect(await store.park(waiting.id, 'A', null)).toBe(true); // until a decision: never an orphan
    expect(await store.claimOrphans('C', 60_000)).not.toContain(waiting.id);
    expect(await store.claimRun(waiting.id, 'C', 60_000)).toBe(true);
  });

  it('hands out only runs whose lease ran out, each to one claimer', async () => {
    const held = await newRun('A', 60_000);
    const lapsed = await Promise.all([newRun('A', 1), newRun('A', 1), newRun('A', 1), newRun('A', 1)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [b, c] = await Promise.all([store.claimOrphans('B', 60_000), store.claimOrphans('C', 60_000)]);
    const claimed = [...b, ...c];
    expect(claimed).not.toContain(held.id);
    for (const run of lapsed) expect(claimed.filter((id) => id === run.id)).toHaveLength(1);
    expect(await store.claimRun(held.id, 'B', 60_000)).toBe(false);
    expect(await store.claimRun(held.id, 'B', 60_000, { force: true })).toBe(true);
    expect((await store.claimOrphans('D', 60_000, { all: true })).length).toBeGreaterThanOrEqual(5);
  });

  it('journals effects: a completed one is answered without running again; an unknown outcome is repeated only when idempotent', async () => {
    const run = await newRun('A');
    const A_RUN = { runId: run.id, owner: 'A' };
    let calls = 0;
    const work = async () => ({ n: ++calls });
    const never = () => false;
    const meta = { kind: 'tool', name: 't', idempotent: false };
    expect(await runJournaledEffect(store, A_RUN, 'k1', meta, work, never)).toEqual({
      value: { n: 1 },
      replayed: false,
    });
    expect(await runJournaledEffect(store, A_RUN, 'k1', meta, work, never)).toEqual({
      value: { n: 1 },
      replayed: true,
    });
    expect(calls).toBe(1);

    const failing = () => Promise.reject(Object.assign(new Error('upstream said no'), { code: 'nope' }));
    await expect(runJournaledEffect(store, A_RUN, 'k2', meta, failing, never)).rejects.toThrow(
      'upstream said no',
    );
    await expect(runJournaledEffect(store, A_RUN, 'k2', meta, work, never)).rejects.toThrow(
      'upstream said no',
    );
    expect(calls).toBe(1);

    // Crashed mid-effect: the row says 'started' and nothing else.
    await store.beginEffect({ runId: run.id, key: 'k3', ...meta });
    await expect(runJournaledEffect(store, A_RUN, 'k3', meta, work, never)).rejects.toBeInstanceOf(
      OutcomeUnknownError,
    );
    expect(calls).toBe(1);
    const idem = { ...meta, idempotent: true };
    await store.beginEffect({ runId: run.id, key: 'k4', ...idem });
    expect(await runJournaledEffect(store, A_RUN, 'k4', idem, work, never)).toEqual({
      value: { n: 2 },
      replayed: false,
    });
    expect(await store.getEffect(run.id, 'k4')).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('writes no effect for an owner that lost the run: the journal is lease-guarded', async () => {
    const run = await newRun('A');
    const meta = { kind: 'tool', name: 't', idempotent: false };
    let calls = 0;
    const work = async () => ({ n: ++calls });
    // A starts an effect, then loses the run (a partition longer than its lease; B took over).
    const started = store.beginEffect({ runId: run.id, key: 'k', ...meta, owner: 'A' });
    expect((await started).created).toBe(true);
    expect(await store.claimRun(run.id, 'B', 60_000, { force: true })).toBe(true);
    await expect(
      store.finishEffect(run.id, 'k', { status: 'completed', result: 1 }, 'A'),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.getEffect(run.id, 'k')).toMatchObject({ status: 'started' });
    await expect(
      runJournaledEffect(store, { runId: run.id, owner: 'A' }, 'k2', meta, work, () => false),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(calls).toBe(0);
    expect(await store.getEffect(run.id, 'k2')).toBeUndefined();
    // The new owner goes on.
    expect(
      await runJournaledEffect(store, { runId: run.id, owner: 'B' }, 'k2', meta, work, () => false),
    ).toEqual({
      value: { n: 1 },
      replayed: false,
    });
  });

  it('accepts tasks as queued runs, one per idempotency key, and a start claims the queued row', async () => {
    const task = { priority: 3, attempts: 2 };
    const [first] = await store.acceptRuns([
      { id: 'q-1', agent: 'a', agentVersion: '1', input: { raw: true }, task, idempotencyKey: 'order-1' },
    ]);
    expect(first).toEqual({ runId: 'q-1', created: true, status: 'queued' });
    const [again] = await store.acceptRuns([
      { id: 'q-2', agent: 'a', agentVersion: '1', input: {}, task, idempotencyKey: 'order-1' },
    ]);
    expect(again).toEqual({ runId: 'q-1', created: false, status: 'queued' });
    expect(await store.getRun('q-2')).toBeUndefined();
    expect(await store.getRun('q-1')).toMatchObject({ status: 'queued', input: { raw: true } });

    const started = await store.createRun({
      id: 'q-1',
      agent: 'a',
      agentVersion: '2',
      input: { parsed: true },
      owner: 'W',
      leaseMs: 60_000,
      events: [{ runId: 'q-1', seq: 1, type: 'run_started', data: {}, at: new Date() }],
    });
    expect(started).toMatchObject({
      id: 'q-1',
      status: 'running',
      owner: 'W',
      agentVersion: '2',
      input: { parsed: true },
    });
    // A second start (a duplicate job) finds it past `queued`: nothing written, no second event.
    expect(
      await store.createRun({ id: 'q-1', agent: 'a', agentVersion: '2', input: {}, owner: 'X', leaseMs: 1 }),
    ).toBeUndefined();
    expect((await store.listEvents('q-1')).map((e) => e.type)).toEqual(['run_started']);
    const [later] = await store.acceptRuns([
      { id: 'q-3', agent: 'a', agentVersion: '1', input: {}, task, idempotencyKey: 'order-1' },
    ]);
    expect(later).toEqual({ runId: 'q-1', created: false, status: 'running' });
  });

  it('accepts a flow in one transaction: a failing child leaves no parent behind', async () => {
    await store.acceptRuns([{ id: 'taken', agent: 'a', agentVersion: '1', input: {}, task: {} }]);
    const broken = store.acceptRuns([
      { id: 'parent-x', agent: 'a', agentVersion: '1', input: {}, task: {} },
      // An input PostgreSQL cannot store fails the statement, and the transaction with it.
      {
        id: 'child-x',
        agent: 'a',
        agentVersion: '1',
        input: { bad: 'nul\u0000' },
        task: {},
        parentId: 'parent-x',
      },
    ]);
    await expect(broken).rejects.toThrow();
    expect(await store.getRun('parent-x')).toBeUndefined();
  });

  it('lists queued runs older than a grace period, and parked runs whose wake-up is overdue', async () => {
    await store.acceptRuns([
      { id: 'old-q', agent: 'a', agentVersion: '1', input: { x: 1 }, task: { priority: 2 } },
    ]);
    await sql.query(`UPDATE runs SET created_at = now() - interval '1 hour' WHERE id = 'old-q'`);
    await store.acceptRuns([{ id: 'new-q', agent: 'a', agentVersion: '1', input: {}, task: {} }]);
    const queued = await store.listQueued(60_000, 100);
    expect(queued.map((run) => run.id)).toContain('old-q');
    expect(queued.map((run) => run.id)).not.toContain('new-q');
    expect(queued.find((run) => run.id === 'old-q')).toMatchObject({
      agent: 'a',
      input: { x: 1 },
      task: { priority: 2 },
    });

    const asleep = await newRun('A');
    await store.park(asleep.id, 'A', new Date(Date.now() - 3_600_000));
    const decided = await newRun('A');
    await store.requestApproval({ id: `${decided.id}/g`, runId: decided.id, key: 'g', what: 'w', why: 'y' });
    await store.park(decided.id, 'A', null);
    const waiting = await newRun('A');
    await store.requestApproval({ id: `${waiting.id}/g`, runId: waiting.id, key: 'g', what: 'w', why: 'y' });
    await store.park(waiting.id, 'A', null);
    await store.decideApproval(`${decided.id}/g`, { approved: true, decidedBy: 'ann' });
    // Parked two hours ago (its last checkpoint), decided an hour ago, never woken.
    await sql.query(`UPDATE runs SET updated_at = now() - interval '2 hours' WHERE id = $1`, [decided.id]);
    await sql.query(`UPDATE run_approvals SET decided_at = now() - interval '1 hour' WHERE run_id = $1`, [
      decided.id,
    ]);
    // Decided long ago, went on, and now sleeps until tomorrow: not stranded.
    const resting = await newRun('A');
    await store.requestApproval({ id: `${resting.id}/g`, runId: resting.id, key: 'g', what: 'w', why: 'y' });
    await store.decideApproval(`${resting.id}/g`, { approved: true, decidedBy: 'ann' });
    await sql.query(`UPDATE run_approvals SET decided_at = now() - interval '3 hours' WHERE run_id = $1`, [
      resting.id,
    ]);
    await store.park(resting.id, 'A', new Date(Date.now() + 86_400_000));
    const stranded = (await store.listStrandedParked(60_000, 100)).map((run) => run.id);
    expect(stranded).toContain(asleep.id);
    expect(stranded).toContain(decided.id);
    expect(stranded).not.toContain(waiting.id);
    expect(stranded).not.toContain(resting.id);
  });

  it('creates an approval once per key and decides it once', async () => {
    const run = await newRun('A');
    const request = { id: `${run.id}/gate`, runId: run.id, key: 'gate', what: 'w', why: 'y' };
    expect((await store.requestApproval(request)).created).toBe(true);
    expect((await store.requestApproval({ ...request, what: 'other' })).approval.what).toBe('w');
    const first = await store.decideApproval(request.id, { approved: true, decidedBy: 'ann' });
    expect(first).toMatchObject({ changed: true, approval: { state: 'approved', decidedBy: 'ann' } });
    const second = await store.decideApproval(request.id, { approved: false, decidedBy: 'bob' });
    expect(second).toMatchObject({ changed: false, approval: { state: 'approved', decidedBy: 'ann' } });
  });
});
