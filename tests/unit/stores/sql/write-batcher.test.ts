import { describe, expect, it } from 'vitest';

import { WriteBatcher } from '../../../../stores/sql/write-batcher.js';

interface Item {
  key: string;
  value: number;
}

/** A batcher whose writes land only when the test says so; records every batch it was given. */
function controlledBatcher(
  options: {
    maxInFlight?: number;
    maxBatch?: number;
    maxBatchSize?: number;
    fails?: (item: Item) => boolean;
  } = {},
) {
  const batches: Item[][] = [];
  const landings: Array<() => void> = [];
  const batcher = new WriteBatcher<Item, number>({
    keyOf: (item) => item.key,
    ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
    ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
    ...(options.maxBatchSize
      ? { maxBatchSize: options.maxBatchSize, sizeOf: (item: Item) => item.value }
      : {}),
    write: (items) => {
      batches.push([...items]);
      return new Promise((resolve, reject) =>
        landings.push(() => {
          const bad = items.find((item) => options.fails?.(item));
          if (bad) reject(new Error(`item ${bad.key} is bad`));
          else resolve(items.map((item) => item.value * 10));
        }),
      );
    },
  });
  /** Lands the oldest write in flight and lets the batcher react. */
  const land = async () => {
    landings.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batcher, batches, land, inFlight: () => landings.length };
}

describe('WriteBatcher', () => {
  it('sends a lone write at once, and the writes that queue behind it as one batch', async () => {
    const { batcher, batches, land } = controlledBatcher();
    const first = batcher.write({ key: 'a', value: 1 });
    expect(batches).toEqual([[{ key: 'a', value: 1 }]]);
    const rest = [2, 3, 4].map((value) => batcher.write({ key: `k${value}`, value }));
    expect(batches).toHaveLength(1);
    await land();
    expect(await first).toBe(10);
    expect(batches[1]!.map((item) => item.value)).toEqual([2, 3, 4]);
    await land();
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
  });

  it('keeps writes of one key apart and in order, and never more than maxInFlight batches out', async () => {
    const { batcher, batches, land, inFlight } = controlledBatcher({ maxInFlight: 2 });
    const a1 = batcher.write({ key: 'a', value: 1 });
    const a2 = batcher.write({ key: 'a', value: 2 });
    const b = batcher.write({ key: 'b', value: 3 });
    // a2 waits for a1 to land; b goes out beside a1.
    expect(batches.map((batch) => batch.map((item) => item.value))).toEqual([[1], [3]]);
    batcher.write({ key: 'c', value: 4 }).catch(() => undefined);
    expect(inFlight()).toBe(2);
    await land();
    expect(await a1).toBe(10);
    expect(batches[2]!.map((item) => item.value)).toEqual([2, 4]);
    await land();
    await land();
    expect(await a2).toBe(20);
    expect(await b).toBe(30);
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const { batcher, batches, land } = controlledBatcher({ maxBatch: 3 });
    const writes = Array.from({ length: 8 }, (_, i) => batcher.write({ key: `k${i}`, value: i }));
    for (let i = 0; i < 4; i++) await land();
    expect(batches.map((batch) => batch.length)).toEqual([1, 3, 3, 1]);
    expect(await Promise.all(writes)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
  });

  it('stops a batch at maxBatchSize, but always sends at least one item however large', async () => {
    const { batcher, batches, land } = controlledBatcher({ maxBatchSize: 10 });
    const writes = [1, 4, 5, 3, 50, 2].map((value, i) => batcher.write({ key: `k${i}`, value }));
    for (let i = 0; i < 4; i++) await land();
    // 3 does not fit beside 4 and 5; 2 fits beside 3 where 50 does not; 50 goes alone.
    expect(batches.map((batch) => batch.map((item) => item.value))).toEqual([[1], [4, 5], [3, 2], [50]]);
    expect(await Promise.all(writes)).toEqual([10, 40, 50, 30, 500, 20]);
  });

  it('writes a failed batch again item by item: only the bad item fails', async () => {
    const { batcher, batches, land } = controlledBatcher({ fails: (item) => item.key === 'bad' });
    const first = batcher.write({ key: 'first', value: 1 });
    // Settled as they land: a rejection is seen when it happens, not left unhandled.
    const queued = Promise.allSettled([
      batcher.write({ key: 'x', value: 2 }),
      batcher.write({ key: 'bad', value: 3 }),
      batcher.write({ key: 'y', value: 4 }),
    ]);
    await land(); // first
    await land(); // the batch of three fails; three single writes go out
    expect(batches.slice(2).map((batch) => batch.map((item) => item.key))).toEqual([['x'], ['bad'], ['y']]);
    await land();
    await land();
    await land();
    expect(await first).toBe(10);
    const settled = await queued;
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('item bad is bad');
  });

  it('fails a lone write with its own error, and goes on with the next', async () => {
    const { batcher, land } = controlledBatcher({ fails: (item) => item.key === 'bad' });
    const bad = batcher.write({ key: 'bad', value: 1 }).catch((error: unknown) => error);
    const next = batcher.write({ key: 'good', value: 2 });
    await land();
    expect(String(await bad)).toContain('item bad is bad');
    await land();
    expect(await next).toBe(20);
  });
});
