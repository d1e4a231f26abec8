import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../../../runtime/actors/agent-definition.js';
import { RunSupervisor } from '../../../../runtime/actors/run-supervisor.js';
import { SqlRunStore } from '../../../../runtime/actors/sql-run-store.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../stores/sql/migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { connectToolServer, gatedAgent } from '../../../support/actor-test-kit.js';

type Kit = Awaited<ReturnType<typeof connectToolServer>>;

describe('RunSupervisor on PGlite', { timeout: 90_000 }, () => {
  let sql: Sql;
  let kit: Kit;
  const supervisors: RunSupervisor[] = [];

  const supervisor = (
    agents: AgentDefinition[],
    extra: Partial<ConstructorParameters<typeof RunSupervisor>[0]> = {},
  ) => {
    const s = new RunSupervisor({
      store: new SqlRunStore(sql),
      tools: kit.catalog,
      agents,
      exclusive: true,
      ...extra,
    });
    supervisors.push(s);
    return s;
  };

  beforeEach(async () => {
    sql = await PgliteSql.open({});
    await migrate(sql, MIGRATIONS);
    kit = await connectToolServer();
  });

  afterEach(async () => {
    for (const s of supervisors.splice(0)) await s.close();
    await kit.close();
    await sql.close();
  });

  it('runs to its approval gate, resumes on a new supervisor from the snapshot, and completes once approved', async () => {
    const first = supervisor([gatedAgent()]);
    const run = await first.startRun('gated', { by: 2 }, { requestedBy: 'alice' });
    const parked = await first.waitFor(run.id, (s) => s === 'awaiting_approval');
    expect(parked.stateValue).toBe('gate');
    expect(kit.log.counterCalls).toBe(1);
    await first.close(); // the process goes away while the run waits

    const second = supervisor([gatedAgent()]);
    expect(await second.start()).toEqual([run.id]);
    const [approval] = await second.listApprovals({ runId: run.id, state: 'pending' });
    expect(approval).toMatchObject({ what: 'finish', requestedBy: 'alice' });
    await second.decideRun(run.id, { approved: true, decidedBy: 'bob', reason: 'fine' });
    const done = await second.waitFor(run.id, (s) => s === 'completed');
    expect(done.output).toEqual({ looked: 'value of x' });
    expect(kit.log.counterCalls).toBe(1); // the completed write was not repeated by the resume
    const types = (await second.listEvents(run.id)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'run_started',
        'tool_call_started',
        'approval_requested',
        'run_resumed',
        'approval_decided',
        'run_completed',
      ]),
    );
    const seqs = (await second.listEvents(run.id)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // one gapless log across both processes
    expect((await second.listApprovals({ runId: run.id }))[0]).toMatchObject({
      state: 'approved',
      decidedBy: 'bob',
      reason: 'fine',
    });
  });

  it('a rejected approval ends the run as failed and is recorded with who and why', async () => {
    const s = supervisor([gatedAgent()]);
    const run = await s.startRun('gated', { by: 1 });
    await s.waitFor(run.id, (x) => x === 'awaiting_approval');
    await s.decideRun(run.id, { approved: false, decidedBy: 'carol', reason: 'not now' });
    const ended = await s.waitFor(run.id, (x) => x === 'failed');
    expect(ended.stateValue).toBe('rejected');
    await expect(s.decideRun(run.id, { approved: true, decidedBy: 'x' })).rejects.toThrow(
      /no pending approval/,
    );
  });

  it('an approval that is not decided in time expires', async () => {
    const s = supervisor([gatedAgent({ policy: { approvalTtlMs: 150 } })]);
    const run = await s.startRun('gated', { by: 1 });
    const ended = await s.waitFor(run.id, (x) => x === 'failed', 10_000);
    expect(ended.stateValue).toBe('rejected');
    expect((await s.listApprovals({ runId: run.id }))[0]).toMatchObject({ state: 'expired' });
  });

  it('a non-idempotent call in flight when the process stopped is not repeated: the run needs attention', async () => {
    const first = supervisor([gatedAgent({ tool: 'slow' })]);
    const run = await first.startRun('gated', { by: 1 });
    await expect.poll(() => kit.log.slowStarted.length).toBe(1);
    await first.close(); // the call's outcome is now unknown

    const second = supervisor([gatedAgent({ tool: 'slow' })]);
    await second.start();
    const parked = await second.waitFor(run.id, (x) => x === 'needs_attention');
    expect(parked.error).toMatchObject({ code: 'effect_outcome_unknown' });
    expect(kit.log.slowStarted).toHaveLength(1);
  });

  it('cancelling a run during a slow tool call cancels the upstream request', async () => {
    const s = supervisor([gatedAgent({ tool: 'slow' })]);
    const run = await s.startRun('gated', { by: 1 });
    await expect.poll(() => kit.log.slowStarted.length).toBe(1);
    const cancelled = await s.cancel(run.id, 'dave', 'changed my mind');
    expect(cancelled.status).toBe('cancelled');
    await expect.poll(() => kit.log.cancelled).toEqual(['a']);
    expect((await s.listEvents(run.id)).map((e) => e.type)).toContain('run_cancelled');
  });

  it('a tool outside the allow list is refused and a spent tool budget fails the run', async () => {
    const refused = supervisor([gatedAgent({ policy: { allowTools: ['lookup'] } })]);
    const run = await refused.startRun('gated', { by: 1 });
    const ended = await refused.waitFor(run.id, (x) => x === 'failed');
    expect(ended.stateValue).toBe('failed');
    expect(kit.log.counterCalls).toBe(0);

    const limited = supervisor([
      { ...gatedAgent({ policy: { limits: { maxToolCalls: 0 } } }), name: 'limited' },
    ]);
    const second = await limited.startRun('limited', { by: 1 });
    const failed = await limited.waitFor(second.id, (x) => x === 'failed');
    expect(failed.error).toMatchObject({ code: 'run_limit_exceeded' });
  });

  it('a run started by another agent version is set aside instead of restored into the wrong machine', async () => {
    const first = supervisor([gatedAgent({ version: '1' })]);
    const run = await first.startRun('gated', { by: 1 });
    await first.waitFor(run.id, (x) => x === 'awaiting_approval');
    await first.close();
    const second = supervisor([gatedAgent({ version: '2' })]);
    expect(await second.start()).toEqual([]);
    expect((await second.getRun(run.id)).status).toBe('needs_attention');
  });
});
