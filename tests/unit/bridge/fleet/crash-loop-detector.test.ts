import { describe, expect, it } from 'vitest';
import { CrashLoopDetector } from '../../../../bridge/fleet/crash-loop-detector.js';

describe('CrashLoopDetector', () => {
  it('allows maxRestarts restarts within the window and calls one more a crash loop', () => {
    const detector = new CrashLoopDetector({ maxRestarts: 3, windowMs: 60_000 });
    const results = [0, 1000, 2000, 3000].map((now) => detector.record(now));
    expect(results.map((result) => result.count)).toEqual([1, 2, 3, 4]);
    expect(results.map((result) => result.looping)).toEqual([false, false, false, true]);
  });

  it('forgets restarts older than the window', () => {
    const detector = new CrashLoopDetector({ maxRestarts: 2, windowMs: 10_000 });
    detector.record(0);
    detector.record(1_000);
    // 0 and 1000 have left the window ending at 11000.
    expect(detector.record(11_000)).toEqual({ count: 1, looping: false });
    expect(detector.record(12_000)).toEqual({ count: 2, looping: false });
    expect(detector.record(13_000)).toEqual({ count: 3, looping: true });
  });

  it('starts a fresh window after reset()', () => {
    const detector = new CrashLoopDetector({ maxRestarts: 1, windowMs: 60_000 });
    detector.record(0);
    expect(detector.record(1).looping).toBe(true);
    detector.reset();
    expect(detector.record(2)).toEqual({ count: 1, looping: false });
  });
});
