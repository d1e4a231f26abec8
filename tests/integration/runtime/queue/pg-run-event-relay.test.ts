import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type LiveRunEvent, RunEventBus } from '../../../../runtime/actors/run-event-bus.js';
import {
  PgRunEventRelay,
  type PgRunEventRelayOptions,
} from '../../../../runtime/queue/pg-run-event-relay.js';
import { TEST_DATABASE_URL } from '../../../support/postgres.js';
import { postgresAnswers } from '../../../support/postgres-queue.js';

const POSTGRES_UP = await postgresAnswers();
if (!POSTGRES_UP)
  console.warn(`pg run event relay tests skipped: no PostgreSQL answers at ${TEST_DATABASE_URL}`);

describe.skipIf(!POSTGRES_UP)(
  'run events across processes over PostgreSQL LISTEN/NOTIFY',
  { timeout: 60_000 },
  () => {
    const relays: PgRunEventRelay[] = [];
    afterEach(async () => {
      for (const relay of relays.splice(0)) await relay.close();
    });

    /** One process's bus and relay, on its own connections. */
    const node = async (channel: string, options: Partial<PgRunEventRelayOptions> = {}) => {
      const bus = new RunEventBus();
      const relay = new PgRunEventRelay({ connection: TEST_DATABASE_URL, channel, bus, ...options });
      relays.push(relay);
      await relay.start();
      const seen: LiveRunEvent[] = [];
      bus.subscribe((event) => seen.push(event));
      return { bus, seen };
    };

    const event = (seq: number, data: Record<string, unknown> = { seq }): LiveRunEvent => ({
      runId: 'run-1',
      agent: 'a',
      seq,
      type: 'state_entered',
      data,
      at: new Date(1_700_000_000_000 + seq),
    });

    const channel = () => `sy_relay_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

    it('delivers a worker’s run events to the bridge in order, and never echoes them back', async () => {
      const name = channel();
      const worker = await node(name);
      const bridge = await node(name);
      const elsewhere = await node(channel());
      for (let seq = 1; seq <= 200; seq += 1) worker.bus.publish(event(seq));
      await expect.poll(() => bridge.seen.length).toBe(200);
      expect(bridge.seen.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(bridge.seen[0]).toEqual(event(1));
      // The worker saw only its own 200 (no echo), and another channel's bridge none.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(worker.seen).toHaveLength(200);
      expect(elsewhere.seen).toHaveLength(0);
    });

    it('carries an event past NOTIFY’s 8000-byte limit whole, in order with small ones, non-ASCII intact', async () => {
      const name = channel();
      const worker = await node(name);
      const bridge = await node(name);
      const big = { text: 'Zürich – 東京 – 🚆 '.repeat(2_000) }; // ~60 kB of JSON once escaped
      worker.bus.publish(event(1));
      worker.bus.publish(event(2, big));
      worker.bus.publish(event(3));
      await expect.poll(() => bridge.seen.length).toBe(3);
      expect(bridge.seen.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(bridge.seen[1]).toEqual(event(2, big));
    });

    it('relays an event above maxEventBytes with its data replaced by a truncation marker', async () => {
      const name = channel();
      const worker = await node(name, { maxEventBytes: 10_000 });
      const bridge = await node(name);
      worker.bus.publish(event(1, { blob: 'x'.repeat(20_000) }));
      await expect.poll(() => bridge.seen.length).toBe(1);
      expect(bridge.seen[0]).toMatchObject({ seq: 1, data: { truncated: true } });
      expect((bridge.seen[0]!.data as { bytes: number }).bytes).toBeGreaterThan(20_000);
    });

    it('listens again after its connection is cut, and relays what comes after', async () => {
      const name = channel();
      const worker = await node(name, { reconnectDelayMs: 50 });
      const bridge = await node(name, { reconnectDelayMs: 50 });
      worker.bus.publish(event(1));
      await expect.poll(() => bridge.seen.length).toBe(1);
      // Cut this test's relay connections (the server ends them, as a failover or an idle timeout would).
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      try {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE application_name LIKE 'switchyard-run-events-%' AND application_name LIKE '%' || $1`,
          [name],
        );
        expect(rowCount).toBeGreaterThanOrEqual(4);
      } finally {
        await admin.end();
      }
      // Events sent while the listener is away are missed (the run's event log keeps them); once it
      // is back they flow again, from a fresh publisher too.
      let seq = 2;
      await expect
        .poll(
          () => {
            worker.bus.publish(event(seq++));
            return bridge.seen.length > 1;
          },
          { timeout: 20_000, interval: 100 },
        )
        .toBe(true);
      const seqs = bridge.seen.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    });

    it('refuses a channel name PostgreSQL would cut', () => {
      expect(
        () =>
          new PgRunEventRelay({
            connection: TEST_DATABASE_URL,
            channel: 'c'.repeat(64),
            bus: new RunEventBus(),
          }),
      ).toThrow(/1 to 63 bytes/);
    });
  },
);
