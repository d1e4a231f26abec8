export interface AuthFailureLimiterOptions {
  /** Failed authentications one client address may make in a window. */
  max: number;
  timeWindowMs: number;
  /** Addresses tracked at once; past it the oldest is forgotten, so a spray of addresses cannot grow memory. @defaultValue 10_000 */
  maxAddresses?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

/**
 * Counts failed authentications per client address in fixed windows: past `max` in a window, the
 * address is refused (429) until the window ends, before its key is even looked at. A guessing
 * client is slowed to `max` guesses per window without costing the right keys anything.
 */
export class AuthFailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthFailureLimiterOptions) {
    if (!(options.max >= 1 && options.timeWindowMs >= 1))
      throw new RangeError('authFailures.max and authFailures.timeWindowMs must be at least 1');
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const window = this.current(address);
    if (!window || window.failures < this.options.max) return 0;
    return window.start + this.options.timeWindowMs - this.now();
  }

  /** Records one failed authentication of `address`. */
  fail(address: string): void {
    let window = this.current(address);
    if (!window) {
      if (this.windows.size >= this.maxAddresses) this.windows.delete(this.windows.keys().next().value!);
      window = { start: this.now(), failures: 0 };
      // Re-inserted so the Map's order stays oldest window first.
      this.windows.delete(address);
      this.windows.set(address, window);
    }
    window.failures += 1;
  }

  private current(address: string): { start: number; failures: number } | undefined {
    const window = this.windows.get(address);
    if (window && this.now() - window.start >= this.options.timeWindowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }
}
