import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter, type RateBudget } from '../../../../runtime/llm/rate-limiter.js';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const budget = (key: string, max: number, durationMs: number): RateBudget => ({
  key,
  limit: { max, durationMs },
});

describe('MemoryRateLimiter', () => {
  it('grants max slots per window, then says when the oldest frees', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now });
    const openai = [budget('provider:openai', 2, 1_000)];
    expect(await limiter.tryTake(openai)).toEqual({ granted: true });
    clock.advance(300);
    expect(await limiter.tryTake(openai)).toEqual({ granted: true });
    expect(await limiter.tryTake(openai)).toEqual({ granted: false, retryAfterMs: 700 });
    clock.advance(699);
    expect(await limiter.tryTake(openai)).toEqual({ granted: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(await limiter.tryTake(openai)).toEqual({ granted: true });
    // The window slides: the second take (at +300) frees at +1300.
    expect(await limiter.tryTake(openai)).toEqual({ granted: false, retryAfterMs: 300 });
  });

  it('allows no burst of twice max at the edge of a window', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now });
    const limit = [budget('k', 3, 1_000)];
    clock.advance(990);
    for (let i = 0; i < 3; i += 1) expect((await limiter.tryTake(limit)).granted).toBe(true);
    clock.advance(20); // past a fixed window's edge, still inside the sliding one
    expect(await limiter.tryTake(limit)).toEqual({ granted: false, retryAfterMs: 980 });
  });

  it('keeps budgets with different keys apart', async () => {
    const limiter = new MemoryRateLimiter({ now: fakeClock().now });
    expect((await limiter.tryTake([budget('a', 1, 1_000)])).granted).toBe(true);
    expect((await limiter.tryTake([budget('b', 1, 1_000)])).granted).toBe(true);
    expect((await limiter.tryTake([budget('a', 1, 1_000)])).granted).toBe(false);
  });

  it('takes from several budgets all or nothing and reports the longest wait', async () => {
    const clock = fakeClock();
    const limiter = new MemoryRateLimiter({ now: clock.now });
    const provider = budget('provider:openai', 10, 1_000);
    const model = budget('model:gpt', 1, 5_000);
    expect(await limiter.tryTake([provider, model])).toEqual({ granted: true });
    expect(await limiter.tryTake([provider, model])).toEqual({ granted: false, retryAfterMs: 5_000 });
    // The refused request took nothing from the provider's budget: 9 slots are left, not 8.
    for (let i = 0; i < 9; i += 1) expect((await limiter.tryTake([provider])).granted).toBe(true);
    expect(await limiter.tryTake([provider])).toEqual({ granted: false, retryAfterMs: 1_000 });
  });

  it('rejects a limit that is not a positive integer', async () => {
    const limiter = new MemoryRateLimiter();
    await expect(limiter.tryTake([budget('k', 0, 1_000)])).rejects.toThrow(/'k' needs positive integers/);
    await expect(limiter.tryTake([budget('k', 1, 0.5)])).rejects.toThrow(RangeError);
  });
});
