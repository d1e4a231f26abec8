import { type Logger, silentLogger } from '#core';

/** Something that ends: a store, a fleet, a listener. */
export interface Closable {
  close(): Promise<void> | void;
}

interface Entry {
  what: string;
  close: () => Promise<void> | void;
}

/**
 * What a process role opened, closed in reverse order on every exit path: the role pushes each
 * resource right after opening it, and one `close()` in a `finally` ends them all, the last opened
 * first (the API before the runs, the runs before the fleet, the fleet before the SQL store they
 * write to). Node 20 has no AsyncDisposableStack; this is the same idea with two additions a
 * server needs: each close is bounded in time (a stuck upstream must not hang the exit), and a
 * close that fails is logged and the rest still close.
 */
export class ResourceStack {
  private readonly entries: Entry[] = [];
  private closing: Promise<void> | undefined;
  private readonly logger: Logger;
  private readonly closeTimeoutMs: number;

  constructor(options: { logger?: Logger; closeTimeoutMs?: number } = {}) {
    this.logger = options.logger ?? silentLogger;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 15_000;
  }

  /** Registers `resource` to be closed; returns it, so opening and registering read as one line. */
  use<T extends Closable>(what: string, resource: T): T {
    this.defer(what, () => resource.close());
    return resource;
  }

  /** Registers a cleanup step that is not a resource's close (flushing, unregistering). */
  defer(what: string, close: () => Promise<void> | void): void {
    if (this.closing) throw new Error(`cannot register '${what}': the stack is closing`);
    this.entries.push({ what, close });
  }

  /** Closes everything, last registered first. Idempotent; never rejects. */
  close(): Promise<void> {
    return (this.closing ??= this.closeAll());
  }

  private async closeAll(): Promise<void> {
    for (const entry of this.entries.reverse()) {
      await this.bounded(entry);
    }
  }

  private async bounded(entry: Entry): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.closeTimeoutMs);
    });
    try {
      const outcome = await Promise.race([Promise.resolve(entry.close()).then(() => 'done' as const), late]);
      if (outcome === 'late')
        this.logger.error(
          { timeoutMs: this.closeTimeoutMs },
          `closing ${entry.what} took longer than ${this.closeTimeoutMs} ms; going on`,
        );
    } catch (error) {
      this.logger.error({ err: error }, `closing ${entry.what} failed`);
    } finally {
      clearTimeout(timer);
    }
  }
}
