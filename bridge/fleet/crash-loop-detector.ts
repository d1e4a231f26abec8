export interface CrashLoopOptions {
  /** Restarts allowed within the window; one more is a crash loop. */
  maxRestarts: number;
  windowMs: number;
}

/**
 * Counts restarts in a sliding window. More than `maxRestarts` within `windowMs` is a crash loop:
 * the supervisor stops spawning instead of spinning on a command that cannot stay up.
 */
export class CrashLoopDetector {
  private times: number[] = [];

  constructor(private readonly options: CrashLoopOptions) {}

  /**
   * Records a restart about to happen at `now`. `count` is the number of restarts within the
   * window ending at `now`, this one included (so `count - 1` is its backoff attempt);
   * `looping` says it must not happen.
   */
  record(now: number): { count: number; looping: boolean } {
    this.times = this.times.filter((time) => now - time < this.options.windowMs);
    this.times.push(now);
    return { count: this.times.length, looping: this.times.length > this.options.maxRestarts };
  }

  /** Forgets every restart: an explicit restart or a new config deserves a fresh window. */
  reset(): void {
    this.times = [];
  }
}
