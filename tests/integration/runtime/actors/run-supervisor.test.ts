import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assign, fromPromise, setup } from 'xstate';
import type { AgentDefinition, AgentPolicyInput } from '../../../../runtime/actors/agent-definition.js';
import { RunSupervisor } from '../../../../runtime/actors/run-supervisor.js';
import { SqlRunStore } from '../../../../runtime/actors/sql-run-store.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { connectToolServer, gatedAgent, sleeperAgent } from '../../../support/actor-test-kit.js';

type Kit = Awaited<ReturnType<typeof connectToolServer>>;

let crashesLeft = 0;
/**
 * first (a promise) → second, whose entry action throws while crashesLeft > 0 → done. The crash
 * comes after the checkpoint of `first`, so a restart resumes the promise and tries `second` again.
 */
function crashingAgent(policy: AgentPolicyInput = {}): AgentDefinition {
  return {
    name: 'crashing',
    description: 'fails in an action',
    capabilities: [],
    version: '1',
    policy,
    createMachine: () =>
      setup({ actors: { step: fromPromise(async () => 'ok') } }).createMachine({
        initial: 'first',
        states: {
          first: { invoke: { src: 'step', onDone: 'second' } },
          second: {
            entry: () => {
              if (crashesLeft > 0) {
                crashesLeft -= 1;
                throw new Error('an action failed');
              }
            },
            always: 'done',
          },
          done: { type: 'final' },
        },
      }),
  };
}

/** Puts `input.bytes` characters into its context. */
const hoarderAgent: AgentDefinition = {
  name: 'hoarder',
  description: 'keeps too much in its context',
  capabilities: [],
  version: '1',
  policy: { snapshotBudgetBytes: 2048 },
  createMachine: () =>
    setup({
      types: {} as { input: { bytes: number }; context: { blob: string; bytes: number } },
    }).createMachine({
      context: ({ input }) => ({ blob: '', bytes: input.bytes }),
      initial: 'start',
      states: {
        start: {
          after: {
            10: { target: 'full', actions: assign({ blob: ({ context }) => 'x'.repeat(context.bytes) }) },
          },
        },
        full: { after: { 60_000: 'done' } },
        done: { type: 'final' },
      },
    }),
};

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

  // Regression (issue 18): a decision made while no process held the run left no approval_decided
  // event, so the run's timeline never said who decided.
  it('a run whose approval was decided while it was parked records the decision in its events', async () => {
    const first = supervisor([gatedAgent()]);
    const run = await first.startRun('gated', { by: 2 }, { requestedBy: 'alice' });
    await first.waitFor(run.id, (s) => s === 'awaiting_approval');
    await first.close();

    const second = supervisor([gatedAgent()]);
    await second.decideRun(run.id, { approved: true, decidedBy: 'bob', reason: 'while parked' });
    await second.start();
    await second.waitFor(run.id, (s) => s === 'completed');
    const decided = (await second.listEvents(run.id)).filter((e) => e.type === 'approval_decided');
    expect(decided).toHaveLength(1);
    expect(decided[0]!.data).toMatchObject({ state: 'approved', decidedBy: 'bob', reason: 'while parked' });
  });

  it('an agent whose policy auto-approves passes its gate at once, and the decision is recorded as the policy’s', async () => {
    const s = supervisor([gatedAgent()], { policies: { gated: { autoApprove: true } } });
    const run = await s.startRun('gated', { by: 1 });
    const done = await s.waitFor(run.id, (x) => x === 'completed');
    expect(done.output).toEqual({ looked: 'value of x' });
    expect((await s.listApprovals({ runId: run.id }))[0]).toMatchObject({
      state: 'approved',
      decidedBy: 'policy',
    });
    expect((await s.listEvents(run.id)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['approval_requested', 'approval_decided']),
    );
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

  it('a durable sleep resumes its wait after a restart instead of starting it over', async () => {
    const first = supervisor([sleeperAgent]);
    const at = Date.now() + 4000;
    const run = await first.startRun('sleeper', { at });
    await expect.poll(async () => (await first.getRun(run.id)).wakeAt?.getTime()).toBe(at);
    await first.close();
    // Down for 1.5 s: resumed, the sleep ends at `at` (≤ resumedAt + 2.5 s); started over, no
    // earlier than resumedAt + 4 s — 1.5 s of margin for a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const resumedAt = Date.now();
    const second = supervisor([sleeperAgent]);
    await second.start();
    const done = await second.waitFor(run.id, (x) => x === 'completed', 30_000);
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(at - 5);
    // Started over, it would end no earlier than resumedAt + 4 s.
    expect(done.finishedAt!.getTime()).toBeLessThan(resumedAt + 4000);
  });

  it('restarts a crashed actor from its last snapshot within the restart limit, then fails it', async () => {
    crashesLeft = 1;
    const s = supervisor([crashingAgent({ maxRestarts: 2 })]);
    const run = await s.startRun('crashing', null);
    const done = await s.waitFor(run.id, (x) => x === 'completed');
    expect(done.restarts).toBe(1);
    expect((await s.listEvents(run.id)).map((e) => e.type)).toContain('run_crashed');

    crashesLeft = 5;
    const strict = supervisor([{ ...crashingAgent({ maxRestarts: 1 }), name: 'strict' }]);
    const second = await strict.startRun('strict', null);
    const failed = await strict.waitFor(second.id, (x) => x === 'failed');
    expect(failed.error).toMatchObject({ code: 'run_crashed' });
    expect(failed.restarts).toBe(2);
  });

  it('fails a run whose snapshot outgrows its budget, naming the field', async () => {
    const s = supervisor([hoarderAgent]);
    const small = await s.startRun('hoarder', { bytes: 100 });
    await expect.poll(async () => (await s.getRun(small.id)).stateValue).toBe('full');
    const big = await s.startRun('hoarder', { bytes: 5000 });
    const failed = await s.waitFor(big.id, (x) => x === 'failed');
    expect(failed.error).toMatchObject({ code: 'snapshot_too_large' });
    expect(failed.error?.message).toMatch(/blob/);
    expect((await s.getRun(small.id)).status).toBe('running');
  });
});
