import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { PgSql } from '../../../../stores/sql/pg-sql.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../support/postgres.js';

const TSX = import.meta.resolve('tsx');
const CHILD = join(import.meta.dirname, '../../../support/run-writes-child.ts');
/** Completed runs acknowledged before the kill: enough that many batches went through. */
const ACKED_BEFORE_KILL = 300;

interface Line {
  enqueued?: string;
  acked?: string;
  write: 'create' | 'complete';
}

describe('the run store group commit under kill -9', { timeout: 120_000 }, () => {
  const schema = uniqueSchema('run_writes_kill');

  beforeAll(async () => {
    const sql = await new PgSql({ connectionString: TEST_DATABASE_URL, schema }).open();
    await migrate(sql, MIGRATIONS);
    await sql.close();
  });
  afterAll(() => dropSchema(schema));

  it('keeps every acknowledged write, and no write half, when killed with writes queued behind a batch', async () => {
    const child = spawn(process.execPath, ['--import', TSX, CHILD, TEST_DATABASE_URL, schema], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const enqueued = { create: new Set<string>(), complete: new Set<string>() };
    const acked = { create: new Set<string>(), complete: new Set<string>() };
    let waitingAtKill = 0;
    const lines = createInterface({ input: child.stdout });
    // Lines the pipe still holds at the kill were written before it: they count too.
    const allRead = once(lines, 'close');
    const killed = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the child exited by itself (${code}): ${stderr}`)));
      lines.on('line', (text) => {
        const line = JSON.parse(text) as Line;
        if (line.enqueued) enqueued[line.write].add(line.enqueued);
        if (line.acked) acked[line.write].add(line.acked);
        if (acked.complete.size >= ACKED_BEFORE_KILL && child.exitCode === null && !child.killed) {
          // Writes handed to the store and not answered: queued behind a batch, or in flight.
          waitingAtKill =
            enqueued.create.size - acked.create.size + (enqueued.complete.size - acked.complete.size);
          child.kill('SIGKILL');
          child.removeAllListeners('exit');
          resolve();
        }
      });
    });
    await killed;
    await allRead;
    expect(waitingAtKill).toBeGreaterThan(0);

    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; status: string; types: string[] }>(
        `SELECT r.id, r.status, coalesce(array_agg(e.type ORDER BY e.seq) FILTER (WHERE e.seq IS NOT NULL), '{}') AS types
         FROM "${schema}".runs r LEFT JOIN "${schema}".run_events e ON e.run_id = r.id GROUP BY r.id, r.status`,
      );
      const stored = new Map(rows.map((row) => [row.id, row]));
      // Every acknowledged write is there.
      for (const id of acked.create) expect(stored.get(id)?.types[0], id).toBe('run_started');
      for (const id of acked.complete) {
        expect(stored.get(id), id).toMatchObject({
          status: 'completed',
          types: ['run_started', 'run_completed'],
        });
      }
      // Nothing is half written: a run is there with its start, and completed with its last event
      // (a write is one statement); and nothing is there that was never handed to the store.
      for (const row of rows) {
        expect(enqueued.create.has(row.id), row.id).toBe(true);
        expect(row.types, row.id).toEqual(
          row.status === 'completed' ? ['run_started', 'run_completed'] : ['run_started'],
        );
      }
    } finally {
      await client.end();
    }
  });
});
