import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../../../core/logger.js';
import { BullMqTaskQueue } from '../../../../runtime/queue/bullmq-task-queue.js';
import { SqlQueueState } from '../../../../runtime/queue/sql-queue-state.js';
import { PgSql } from '../../../../stores/sql/pg-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { TEST_DATABASE_URL } from '../../../support/postgres.js';
import { openPostgresQueueFixture, postgresAnswers } from '../../../support/postgres-queue.js';

const POSTGRES_UP = await postgresAnswers();
if (!POSTGRES_UP) {
  console.warn(`SQL queue state tests skipped: no PostgreSQL answers at ${TEST_DATABASE_URL}`);
}

describe.skipIf(!POSTGRES_UP)(
  'SqlQueueState (the postgres engine’s idempotency keys and agent registry)',
  () => {
    let fixture: Awaited<ReturnType<typeof openPostgresQueueFixture>>;
    /** A second pool on the same schema: another process's view of the tables. */
    let other: Sql;

    beforeAll(async () => {
      fixture = await openPostgresQueueFixture('qstate');
      other = await new PgSql({
        connectionString: TEST_DATABASE_URL,
        schema: fixture.sql.schema,
        maxConnections: 4,
      }).open();
    });
    afterAll(async () => {
      await other?.close();
      await fixture?.drop();
    });

    it('gives concurrent claims of one key from two processes one winner, and every caller its run id', async () => {
      const ns = `ns-${randomUUID()}`;
      const here = new SqlQueueState(fixture.sql, ns, silentLogger);
      const there = new SqlQueueState(other, ns, silentLogger);
      const candidates = Array.from({ length: 10 }, () => randomUUID());
      const answers = await Promise.all(
        candidates.map((runId, i) => (i % 2 === 0 ? here : there).claim('order-42', runId, 60_000)),
      );
      expect(new Set(answers).size).toBe(1);
      expect(candidates).toContain(answers[0]);
      // A later claim still answers the winner.
      expect(await there.claim('order-42', randomUUID(), 60_000)).toBe(answers[0]);
    });

    it('lets a new run take over a key whose claim expired', async () => {
      const state = new SqlQueueState(fixture.sql, `ns-${randomUUID()}`, silentLogger);
      const first = randomUUID();
      expect(await state.claim('k', first, 1)).toBe(first);
      await new Promise((resolve) => setTimeout(resolve, 20)); // a 1 ms claim, surely over by then
      const second = randomUUID();
      expect(await state.claim('k', second, 60_000)).toBe(second);
    });

    it('keeps namespaces apart, registers agents once, and clear() forgets only its own namespace', async () => {
      const a = new SqlQueueState(fixture.sql, `ns-${randomUUID()}`, silentLogger);
      const b = new SqlQueueState(fixture.sql, `ns-${randomUUID()}`, silentLogger);
      const runA = randomUUID();
      const runB = randomUUID();
      expect(await a.claim('same-key', runA, 60_000)).toBe(runA);
      expect(await b.claim('same-key', runB, 60_000)).toBe(runB);
      await a.addAgent('coding');
      await a.addAgent('coding');
      await a.addAgent('bizdev');
      await b.addAgent('security');
      expect((await a.agents()).sort()).toEqual(['bizdev', 'coding']);
      await a.clear();
      expect(await a.agents()).toEqual([]);
      expect(await b.agents()).toEqual(['security']);
      const again = randomUUID();
      expect(await a.claim('same-key', again, 60_000)).toBe(again);
      expect(await b.claim('same-key', randomUUID(), 60_000)).toBe(runB);
    });

    it(
      'gives two queues (two processes) submitting with one idempotency key one run',
      { timeout: 60_000 },
      async () => {
        const schema = fixture.bullmqSchema();
        const queues = [fixture.sql, other].map(
          (sql) => new BullMqTaskQueue({ postgres: { url: TEST_DATABASE_URL, schema, sql } }),
        );
        try {
          const spec = { agent: 'echo', input: 'x', idempotencyKey: 'invoice-7' };
          const results = await Promise.all([
            queues[0]!.submit(spec),
            queues[1]!.submit(spec),
            queues[0]!.submit(spec),
            queues[1]!.submit(spec),
          ]);
          expect(new Set(results.map((result) => result.runId)).size).toBe(1);
          expect(results.filter((result) => result.created)).toHaveLength(1);
          expect((await queues[1]!.get(results[0]!.runId))?.state).toBe('waiting');
        } finally {
          await queues[0]!.obliterate();
          for (const queue of queues) await queue.close();
        }
      },
    );
  },
);
