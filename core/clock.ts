/**
 * Time as the runtime and the fleet see it, injected so tests control it. The
 * default reads the globals at each call, so `vi.useFakeTimers()` also drives it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque to callers: only ever given back to {@link Clock.clearTimeout}. */
export type TimerHandle = ReturnType<typeof globalThis.setTimeout>;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle),
};
