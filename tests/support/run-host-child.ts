// A process hosting agent runs the way `switchyard start` does (composeBridge + composeRuntime,
// embedded PGlite under <home>), for tests that kill it with -9 and start another.
//   run-host-child.ts <home> start   seeds the crm, starts an account-review, prints
//                                    {"runId","status","accountId"} once it waits for approval,
//                                    then waits to be killed
//   run-host-child.ts <home> approve <runId>
//                                    resumes the orphaned run, approves it, waits for the end and
//                                    prints {"status","output","crmRows","effects"}; exits 0
import { builtinAgents } from '../../agents/builtin-agents.js';
import { isFinalStatus } from '../../runtime/actors/run-records.js';
import { seedCrm } from '../../mcp-servers/crm/seed/seed-crm.js';
import { startAgentHarness } from './agent-harness.js';

const [home, mode, runId] = process.argv.slice(2);
if (!home || (mode !== 'start' && mode !== 'approve') || (mode === 'approve' && !runId)) {
  process.stderr.write('usage: run-host-child.ts <home> start | approve <runId>\n');
  process.exit(2);
}
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const harness = await startAgentHarness({ agents: builtinAgents(), builtins: ['crm', 'memory'], home });
const { supervisor, sql } = harness;

if (mode === 'start') {
  await seedCrm(sql, { accounts: 10, seed: 42 });
  const { rows } = await sql.query<{ id: string }>('SELECT id FROM crm_accounts ORDER BY id LIMIT 1');
  const accountId = rows[0]!.id;
  const run = await supervisor.startRun('account-review', { accountId }, { requestedBy: 'kill-test' });
  const parked = await supervisor.waitFor(
    run.id,
    (s) => s === 'awaiting_approval' || isFinalStatus(s),
    240_000,
  );
  say({ runId: run.id, status: parked.status, accountId });
  await new Promise(() => {}); // until kill -9
} else {
  const id = runId!;
  await supervisor.decideRun(id, { approved: true, decidedBy: 'kill-test', reason: 'after the crash' });
  const done = await supervisor.waitFor(id, isFinalStatus, 240_000);
  const crmRows: Record<string, number> = {};
  for (const table of ['crm_tasks', 'crm_notes']) {
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} WHERE idempotency_key LIKE $1`,
      [`${id}/%`],
    );
    crmRows[table] = rows[0]!.n;
  }
  const effects = (await supervisor.listEvents(id))
    .filter((e) => e.type === 'tool_call_started')
    .map((e) => e.data.key);
  say({ status: done.status, output: done.output, crmRows, effects });
  await harness.close();
  process.exit(0);
}
