/** What a frame that arrived may do: be handled, be refused, or end its socket. */
export type FrameVerdict = 'accept' | 'refuse' | 'flood';

export interface FrameRateLimiterOptions {
  /** Frames a second, sustained; also the burst a quiet socket may send at once. */
  perSecond: number;
  /**
   * A socket is flooding when it has more than `floodFactor` × `perSecond` frames refused within
   * `floodWindowMs`. @defaultValue 10
   */
  floodFactor?: number;
  /** @defaultValue 5000 */
  floodWindowMs?: number;
  /** Milliseconds, for tests. @defaultValue performance.now */
  now?: () => number;
}

/**
 * The frame budget of one WebSocket: a token bucket of `perSecond` tokens refilled at `perSecond`
 * a second. A frame without a token is refused (the socket is told and stays open: a client
 * that bursts now and then recovers), but a client that goes on sending regardless is not
 * worth serving: past the flood threshold the verdict is `flood`, and the socket is closed.
 */
export class FrameRateLimiter {
  private readonly perSecond: number;
  private readonly floodLimit: number;
  private readonly floodWindowMs: number;
  private readonly now: () => number;
  private tokens: number;
  private refilledAt: number;
  private windowStart: number;
  private refusedInWindow = 0;

  constructor(options: FrameRateLimiterOptions) {
    const { perSecond, floodFactor = 10, floodWindowMs = 5000 } = options;
    if (!(perSecond > 0)) throw new RangeError(`perSecond must be positive, got ${perSecond}`);
    if (!(floodFactor > 0 && floodWindowMs > 0))
      throw new RangeError('floodFactor and floodWindowMs must be positive');
    this.perSecond = perSecond;
    this.floodLimit = floodFactor * perSecond;
    this.floodWindowMs = floodWindowMs;
    this.now = options.now ?? (() => performance.now());
    this.tokens = perSecond;
    this.refilledAt = this.windowStart = this.now();
  }

  /** Spends a token for one frame that arrived now. */
  take(): FrameVerdict {
    const now = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'accept';
    }
    if (now - this.windowStart >= this.floodWindowMs) {
      this.windowStart = now;
      this.refusedInWindow = 0;
    }
    this.refusedInWindow += 1;
    return this.refusedInWindow > this.floodLimit ? 'flood' : 'refuse';
  }
}
