import { setImmediate } from 'node:timers/promises';

/**
 * Cuts long synchronous loops into slices so other work (requests, timers, heartbeats) runs in
 * between. A loop asks {@link TimeSlicer.due} every few items and awaits {@link TimeSlicer.pause}
 * when it is: setImmediate lets a whole turn of the event loop (timers, I/O) run before resuming.
 */
export class TimeSlicer {
  private sliceStart = performance.now();

  /** @param budgetMs how long one slice may run before it yields. */
  constructor(private readonly budgetMs: number) {}

  /** True when the current slice has used its budget. Cheap enough to call every ~100 items. */
  due(): boolean {
    return performance.now() - this.sliceStart >= this.budgetMs;
  }

  /** Yields to the event loop and starts a new slice. */
  async pause(): Promise<void> {
    await setImmediate();
    this.sliceStart = performance.now();
  }

  /** Yields only when the slice is used up. */
  async checkpoint(): Promise<void> {
    if (this.due()) await this.pause();
  }
}
