import type { AgentDefinition } from '../../runtime/actors/agent-definition.js';
import { RunSupervisor } from '../../runtime/actors/run-supervisor.js';
import { SqlRunStore } from '../../runtime/actors/sql-run-store.js';
import { migrate } from '../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../app/database/schema-migrations.js';
import { PgliteSql } from '../../stores/sql/pglite-sql.js';
import type { Sql } from '../../stores/sql/sql.js';
import { connectToolServer, gatedAgent } from './actor-test-kit.js';

/**
 * A started run supervisor over a migrated PGlite run store, its agents calling the tools of
 * {@link connectToolServer}: what the task services under test run their tasks on.
 */
export interface RunStack {
  sql: Sql;
  kit: Awaited<ReturnType<typeof connectToolServer>>;
  store: SqlRunStore;
  supervisor: RunSupervisor;
  /**
   * A second supervisor on the same store that defines no agent at all: the worker of an older
   * deploy that has not heard of the agents of the first. Closed with the stack.
   */
  staleSupervisor(): RunSupervisor;
  /** Closes the supervisors, then the tool server, then the store; close the queues first. */
  close(): Promise<void>;
}

/** {@link gatedAgent} as `gated-slow`: it calls `slow` first, which waits until cancelled or released. */
export const gatedSlowAgent = (): AgentDefinition => ({
  ...gatedAgent({ tool: 'slow' }),
  name: 'gated-slow',
});

/** {@link gatedAgent} as `broken`: it calls a tool no server has, so its run ends failed. */
export const brokenAgent = (): AgentDefinition => ({
  ...gatedAgent({ tool: 'no_such_tool' }),
  name: 'broken',
});

export async function openRunStack(agents: AgentDefinition[]): Promise<RunStack> {
  const sql = await PgliteSql.open({});
  const store = new SqlRunStore(sql);
  let kit: RunStack['kit'] | undefined;
  let supervisor: RunSupervisor | undefined;
  try {
    await migrate(sql, MIGRATIONS);
    kit = await connectToolServer();
    supervisor = new RunSupervisor({ store, tools: kit.catalog, agents, exclusive: true });
    await supervisor.start();
  } catch (error) {
    // A stack that did not open closes what it opened, since no caller holds it to close.
    await supervisor?.close();
    await kit?.close();
    await sql.close();
    throw error;
  }
  return stackOf(sql, store, kit, supervisor);
}

function stackOf(sql: Sql, store: SqlRunStore, kit: RunStack['kit'], supervisor: RunSupervisor): RunStack {
  const stale: RunSupervisor[] = [];
  return {
    sql,
    kit,
    store,
    supervisor,
    staleSupervisor() {
      const supervisor = new RunSupervisor({ store, tools: kit.catalog, agents: [] });
      stale.push(supervisor);
      return supervisor;
    },
    async close() {
      await supervisor.close();
      for (const supervisor of stale) await supervisor.close();
      await kit.close();
      await sql.close();
    },
  };
}
