// A process that writes runs through SqlRunStore's group commit on PostgreSQL without pause, for a
// test that kills it with -9 while writes are queued behind the one in flight.
//   run-writes-child.ts <database url> <schema>
// Keeps IN_FLIGHT runs going at once; each is created (with its run_started) and then checkpointed
// completed (with its run_completed). On stdout, one JSON line per step, written before the next
// one starts (a pipe's writes are synchronous on Linux, so a line written is a line the parent gets):
//   {"enqueued":"<id>","write":"create"|"complete"}   the write was handed to the store
//   {"acked":"<id>","write":"create"|"complete"}      the store answered that it landed
import { EMPTY_USAGE } from '../../runtime/actors/run-records.js';
import { SqlRunStore } from '../../runtime/actors/sql-run-store.js';
import { PgSql } from '../../stores/sql/pg-sql.js';

const IN_FLIGHT = 32;
const [url, schema] = process.argv.slice(2);
if (!url || !schema) {
  process.stderr.write('usage: run-writes-child.ts <database url> <schema>\n');
  process.exit(2);
}
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const sql = await new PgSql({ connectionString: url, schema }).open();
const store = new SqlRunStore(sql);

let n = 0;
async function oneRun(): Promise<void> {
  const id = `kill-${process.pid}-${++n}`;
  say({ enqueued: id, write: 'create' });
  const run = await store.createRun({
    id,
    agent: 'a',
    agentVersion: '1',
    input: { n },
    owner: 'child',
    leaseMs: 60_000,
    events: [{ runId: id, seq: 1, type: 'run_started', data: {}, at: new Date() }],
  });
  if (!run) throw new Error(`${id} existed`);
  say({ acked: id, write: 'create' });
  say({ enqueued: id, write: 'complete' });
  await store.checkpoint(
    id,
    'child',
    {
      status: 'completed',
      stateValue: 'done',
      snapshot: { n },
      snapshotBytes: 8,
      steps: 1,
      usage: EMPTY_USAGE,
    },
    [{ runId: id, seq: 2, type: 'run_completed', data: {}, at: new Date() }],
  );
  say({ acked: id, write: 'complete' });
}

// Until killed: each slot starts its next run as soon as its last one completed.
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    for (;;) await oneRun();
  }),
);
