import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assign, fromPromise, setup } from 'xstate';
import type {
  AgentDefinition,
  ChildRunSummary,
  RunServices,
} from '../../../../runtime/actors/agent-definition.js';
import type { ToolCatalog } from '../../../../runtime/actors/tool-catalog.js';
import { RunSupervisor } from '../../../../runtime/actors/run-supervisor.js';
import { SqlRunStore } from '../../../../runtime/actors/sql-run-store.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';

// RunServices.childRuns: a run reads the runs whose parent it is, once per key (the journal
// answers the same key again with what the first read saw).

const noTools: ToolCatalog = {
  listTools: () => [],
  callTool: () => Promise.reject(new Error('no tools here')),
};

/** Ends at once with its input's `n` as output, or fails when `n` is negative. */
const leafAgent: AgentDefinition = {
  name: 'leaf',
  description: 'a child',
  capabilities: [],
  version: '1',
  createMachine: () =>
    setup({ types: {} as { input: { n: number }; context: { n: number } } }).createMachine({
      context: ({ input }) => ({ n: input.n }),
      initial: 'deciding',
      states: {
        deciding: {
          always: [{ guard: ({ context }) => context.n < 0, target: 'failed' }, { target: 'done' }],
        },
        done: { type: 'final' },
        failed: { type: 'final', tags: ['failed'] },
      },
      output: ({ context }) => ({ n: context.n }),
    }),
};

interface Reads {
  first: ChildRunSummary[];
  again: ChildRunSummary[];
  statuses: ChildRunSummary[];
  full: ChildRunSummary[];
}

/** Reads its children (key `a`), waits for GO, reads `a` again and then `b` (no outputs) and `c`. */
const readerAgent: AgentDefinition = {
  name: 'reader',
  description: 'reads its children',
  capabilities: [],
  version: '1',
  createMachine: (services: RunServices) =>
    setup({
      types: {} as { context: { first: ChildRunSummary[] }; output: Reads },
      actors: {
        readFirst: fromPromise(async () => services.childRuns('a')),
        readAgain: fromPromise(async () => ({
          again: await services.childRuns('a'),
          statuses: await services.childRuns('b', { output: false }),
          full: await services.childRuns('c'),
        })),
      },
    }).createMachine({
      context: { first: [] },
      initial: 'READING',
      states: {
        READING: {
          invoke: {
            src: 'readFirst',
            onDone: { target: 'IDLE', actions: assign({ first: ({ event }) => event.output }) },
          },
        },
        IDLE: { on: { GO: 'READING_AGAIN' } },
        READING_AGAIN: {
          invoke: {
            src: 'readAgain',
            onDone: {
              target: 'DONE',
              actions: assign(
                ({ event }) => ({ ...event.output }) as unknown as { first: ChildRunSummary[] },
              ),
            },
          },
        },
        DONE: { type: 'final' },
      },
      output: ({ context }) => context as unknown as Reads,
    }),
};

describe('RunServices.childRuns', { timeout: 60_000 }, () => {
  let sql: Sql;
  let supervisor: RunSupervisor;

  beforeEach(async () => {
    sql = await PgliteSql.open({});
    await migrate(sql, MIGRATIONS);
    supervisor = new RunSupervisor({
      store: new SqlRunStore(sql),
      tools: noTools,
      agents: [readerAgent, leafAgent],
      exclusive: true,
    });
    await supervisor.start();
  });

  afterEach(async () => {
    await supervisor.close();
    await sql.close();
  });

  it("reads this run's children only, once per key, with or without their outputs", async () => {
    const reader = await supervisor.startRun('reader', {});
    await expect
      .poll(async () => (await supervisor.getRun(reader.id)).stateValue, { timeout: 10_000 })
      .toBe('IDLE');

    const ok = await supervisor.startRun('leaf', { n: 1 }, { parentId: reader.id });
    const bad = await supervisor.startRun('leaf', { n: -1 }, { parentId: reader.id });
    const stranger = await supervisor.startRun('leaf', { n: 2 });
    for (const run of [ok, bad, stranger])
      await supervisor.waitFor(run.id, (s) => s === 'completed' || s === 'failed', 10_000);
    supervisor.send(reader.id, { type: 'GO' });
    const done = await supervisor.waitFor(reader.id, (s) => s === 'completed' || s === 'failed', 10_000);
    expect(done.status).toBe('completed');
    const reads = done.output as Reads;

    // Key `a` was read before the children existed: the same key answers the same, from the journal.
    expect(reads.first).toEqual([]);
    expect(reads.again).toEqual([]);
    const byId = (runs: ChildRunSummary[]) =>
      [...runs].sort((x, y) => (x.id === ok.id ? -1 : y.id === ok.id ? 1 : 0));
    const badError = (await supervisor.getRun(bad.id)).error!;
    expect(byId(reads.statuses)).toEqual([
      { id: ok.id, agent: 'leaf', status: 'completed' },
      {
        id: bad.id,
        agent: 'leaf',
        status: 'failed',
        error: { code: badError.code, message: badError.message },
      },
    ]);
    expect(byId(reads.full)).toEqual([
      { id: ok.id, agent: 'leaf', status: 'completed', output: { n: 1 } },
      {
        id: bad.id,
        agent: 'leaf',
        status: 'failed',
        output: { n: -1 },
        error: { code: badError.code, message: badError.message },
      },
    ]);

    const effects = await new SqlRunStore(sql).listEffects(reader.id);
    expect(effects.map((e) => [e.key, e.kind, e.name, e.status, e.attempts])).toEqual(
      expect.arrayContaining([
        ['a', 'read', 'child_runs', 'completed', 1],
        ['b', 'read', 'child_runs', 'completed', 1],
        ['c', 'read', 'child_runs', 'completed', 1],
      ]),
    );
    expect(effects).toHaveLength(3);
  });
});
