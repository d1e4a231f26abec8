/**
 * Counts open sockets per holder (an API key's name, or a client address on an open API) against
 * a cap, so that one key cannot hold the process's memory and file descriptors with sockets.
 */
export class SocketQuota {
  private readonly open = new Map<string, number>();

  constructor(readonly perHolder: number) {
    if (!(Number.isInteger(perHolder) && perHolder >= 1))
      throw new RangeError(`perHolder must be a positive integer, got ${perHolder}`);
  }

  /** Whether `holder` may open one more socket now. */
  hasRoom(holder: string): boolean {
    return (this.open.get(holder) ?? 0) < this.perHolder;
  }

  /**
   * Takes a slot for `holder`; answers the function that gives it back (once, however often it
   * is called), or undefined when the holder is at its cap.
   */
  acquire(holder: string): (() => void) | undefined {
    if (!this.hasRoom(holder)) return undefined;
    this.open.set(holder, (this.open.get(holder) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(holder) ?? 1) - 1;
      if (left > 0) this.open.set(holder, left);
      else this.open.delete(holder);
    };
  }

  /** Sockets `holder` has open. */
  count(holder: string): number {
    return this.open.get(holder) ?? 0;
  }
}
