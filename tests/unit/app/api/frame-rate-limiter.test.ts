import { describe, expect, it } from 'vitest';
import { FrameRateLimiter } from '../../../../app/api/frame-rate-limiter.js';

/** A limiter on a clock the test moves by hand. */
function limiterAt(perSecond: number) {
  let now = 1_000;
  const limiter = new FrameRateLimiter({ perSecond, now: () => now });
  return { limiter, advance: (ms: number) => (now += ms) };
}

const takeMany = (limiter: FrameRateLimiter, n: number) => Array.from({ length: n }, () => limiter.take());

describe('FrameRateLimiter', () => {
  it('accepts a burst of perSecond frames and refuses the next', () => {
    const { limiter } = limiterAt(5);
    expect(takeMany(limiter, 6)).toEqual(['accept', 'accept', 'accept', 'accept', 'accept', 'refuse']);
  });

  it('refills perSecond tokens a second, never more than a burst', () => {
    const { limiter, advance } = limiterAt(5);
    takeMany(limiter, 5);
    advance(200);
    expect(takeMany(limiter, 2)).toEqual(['accept', 'refuse']);
    advance(60_000);
    expect(takeMany(limiter, 6).filter((v) => v === 'accept')).toHaveLength(5);
  });

  it('calls a flood more than ten times the rate refused within five seconds', () => {
    const { limiter } = limiterAt(5);
    takeMany(limiter, 5);
    expect(takeMany(limiter, 50).every((v) => v === 'refuse')).toBe(true);
    expect(limiter.take()).toBe('flood');
  });

  it('does not call a flood a client that keeps sending a little over the rate', () => {
    const { limiter, advance } = limiterAt(5);
    for (let second = 0; second < 30; second++) {
      // 5 accepted and 7 refused a second: 35 refusals in five seconds, under the 50 of a flood.
      const verdicts = takeMany(limiter, 12);
      expect(verdicts.filter((v) => v === 'refuse')).toHaveLength(7);
      expect(verdicts).not.toContain('flood');
      advance(1_000);
    }
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new FrameRateLimiter({ perSecond: 0 })).toThrow(/perSecond/);
  });
});
