import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../../bridge/fleet/backoff.js';

const options = { initialDelayMs: 500, maxDelayMs: 30_000, jitter: 0.2 };
const noJitter = () => 0.5;

describe('backoffDelay', () => {
  it('doubles from the initial delay with each attempt', () => {
    expect([0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, options, noJitter))).toEqual([
      500, 1000, 2000, 4000, 8000,
    ]);
  });

  it('never exceeds the maximum delay, jitter included', () => {
    expect(backoffDelay(10, options, noJitter)).toBe(30_000);
    expect(backoffDelay(10, options, () => 0.999)).toBe(30_000);
    expect(backoffDelay(10_000, options, noJitter)).toBe(30_000);
  });

  it('spreads each delay by at most ± jitter, driven by the random source', () => {
    expect(backoffDelay(0, options, () => 0)).toBe(400);
    expect(backoffDelay(0, options, () => 0.75)).toBe(550);
    expect(backoffDelay(1, options, () => 0.25)).toBe(900);
    const spread = Array.from({ length: 200 }, () => backoffDelay(2, options, Math.random));
    expect(Math.min(...spread)).toBeGreaterThanOrEqual(1600);
    expect(Math.max(...spread)).toBeLessThanOrEqual(2400);
    expect(new Set(spread).size).toBeGreaterThan(1);
  });

  it('has no spread with jitter 0', () => {
    expect(backoffDelay(3, { ...options, jitter: 0 }, () => 0)).toBe(4000);
  });

  it('refuses a negative or fractional attempt', () => {
    expect(() => backoffDelay(-1, options, noJitter)).toThrow(RangeError);
    expect(() => backoffDelay(1.5, options, noJitter)).toThrow(RangeError);
  });
});
