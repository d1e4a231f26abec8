import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type LiveRunEvent, RunEventBus } from '../../../../runtime/actors/run-event-bus.js';
import { RedisRunEventRelay } from '../../../../runtime/queue/redis-run-event-relay.js';
import { REDIS_URL, redisAnswers } from '../../../support/redis.js';

const REDIS_UP = await redisAnswers();
if (!REDIS_UP) console.warn(`redis run event relay tests skipped: no Redis answers at ${REDIS_URL}`);

describe.skipIf(!REDIS_UP)('run events across processes over Redis', { timeout: 60_000 }, () => {
  const relays: RedisRunEventRelay[] = [];
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.close();
  });

  const node = async (prefix: string) => {
    const bus = new RunEventBus();
    const relay = new RedisRunEventRelay({ connection: REDIS_URL, prefix, bus });
    relays.push(relay);
    await relay.start();
    const seen: LiveRunEvent[] = [];
    bus.subscribe((event) => seen.push(event));
    return { bus, seen };
  };

  const event = (seq: number, type = 'state_entered'): LiveRunEvent => ({
    runId: 'run-1',
    agent: 'a',
    seq,
    type,
    data: { seq },
    at: new Date(1_700_000_000_000 + seq),
  });

  it('delivers a worker’s run events to the bridge in order, and never echoes them back', async () => {
    const prefix = `relay-${randomUUID()}`;
    const worker = await node(prefix);
    const bridge = await node(prefix);
    const elsewhere = await node(`other-${randomUUID()}`);
    for (let seq = 1; seq <= 50; seq += 1) worker.bus.publish(event(seq));
    await expect.poll(() => bridge.seen.length).toBe(50);
    expect(bridge.seen.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(bridge.seen[0]).toEqual(event(1));
    // The worker saw only its own 50 (no echo), and another prefix's bridge none.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(worker.seen).toHaveLength(50);
    expect(elsewhere.seen).toHaveLength(0);
  });
});
