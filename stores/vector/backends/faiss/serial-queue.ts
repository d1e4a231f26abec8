/**
 * Runs tasks one at a time, in the order they were queued. Each collection has one: its work
 * yields to the event loop between slices, so two operations on the same collection would
 * otherwise interleave (a query iterating records while a delete compacts labels).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The queue moves on after a failed task; the failure itself reaches run()'s caller.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves when every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
