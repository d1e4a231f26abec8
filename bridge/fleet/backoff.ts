export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Fraction in [0, 1] the delay is spread by, either way. */
  jitter: number;
}

/**
 * The delay before restart number `attempt` (0 for the first): `initialDelayMs · 2^attempt`,
 * capped at `maxDelayMs`, then spread by ±`jitter` using `random` (a value in [0, 1), 0.5 meaning
 * no spread). The cap applies after the jitter too, so the result is never above `maxDelayMs`.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 0)
    throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  // 2^1024 is Infinity; past 52 doublings every sane delay is already at its cap.
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 52));
  const spread = base * options.jitter * (2 * random() - 1);
  return Math.round(Math.min(options.maxDelayMs, Math.max(0, base + spread)));
}
