export interface WriteBatcherOptions<Item> {
  /** Writes up to `maxBatch` items in one statement; returns one result per item, in order. */
  write(items: readonly Item[]): Promise<readonly unknown[]>;
  /**
   * Items with the same key never share a batch (one statement must not write a row twice), and
   * the later one goes out only after the earlier one landed: writes of one key stay in order.
   */
  keyOf(item: Item): string;
  /** Batches in flight at once. @defaultValue 1 */
  maxInFlight?: number;
  /** @defaultValue 256 */
  maxBatch?: number;
  /** An item's size (bytes it sends, roughly): a batch stops growing at `maxBatchSize`. @defaultValue 0 */
  sizeOf?(item: Item): number;
  /** @defaultValue 4 MiB */
  maxBatchSize?: number;
}

interface Pending<Item> {
  item: Item;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit for one kind of write: a write goes out at once while fewer than `maxInFlight`
 * batches are in flight; otherwise it waits, with the others that arrive meanwhile, and they all
 * go out as one statement when a batch lands. Under no load nothing waits; under load each round
 * trip, parse and commit is shared by every write that queued behind it.
 *
 * A batch that fails is written again item by item, so one bad item (a constraint it breaks, a
 * deadlock its rows were part of) fails only its own caller, and the others still land.
 */
export class WriteBatcher<Item, Result> {
  private readonly queued: Pending<Item>[] = [];
  private inFlight = 0;
  private readonly inFlightKeys = new Set<string>();
  private readonly maxInFlight: number;
  private readonly maxBatch: number;

  constructor(private readonly options: WriteBatcherOptions<Item>) {
    this.maxInFlight = options.maxInFlight ?? 1;
    this.maxBatch = options.maxBatch ?? 256;
  }

  write(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queued.push({ item, resolve: resolve as (result: unknown) => void, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.queued.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return; // every queued key has a write in flight
      const keys = batch.map((pending) => this.options.keyOf(pending.item));
      for (const key of keys) this.inFlightKeys.add(key);
      this.inFlight += 1;
      void this.send(batch).finally(() => {
        for (const key of keys) this.inFlightKeys.delete(key);
        this.inFlight -= 1;
        this.drain();
      });
    }
  }

  /**
   * The next batch: queued items in order, up to maxBatch items and maxBatchSize (but at least one
   * item), each key at most once and none in flight.
   */
  private takeBatch(): Pending<Item>[] {
    const { keyOf, sizeOf, maxBatchSize = 4 * 1024 * 1024 } = this.options;
    const batch: Pending<Item>[] = [];
    const keys = new Set<string>();
    const left: Pending<Item>[] = [];
    let size = 0;
    for (const pending of this.queued) {
      const key = keyOf(pending.item);
      const itemSize = sizeOf?.(pending.item) ?? 0;
      const full = batch.length >= this.maxBatch || (batch.length > 0 && size + itemSize > maxBatchSize);
      if (full || keys.has(key) || this.inFlightKeys.has(key)) {
        left.push(pending);
      } else {
        keys.add(key);
        size += itemSize;
        batch.push(pending);
      }
    }
    this.queued.splice(0, this.queued.length, ...left);
    return batch;
  }

  private async send(batch: Pending<Item>[]): Promise<void> {
    try {
      const results = await this.options.write(batch.map((p) => p.item));
      batch.forEach((pending, i) => pending.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      await Promise.all(
        batch.map(async (pending) => {
          try {
            const [result] = await this.options.write([pending.item]);
            pending.resolve(result);
          } catch (itemError) {
            pending.reject(itemError);
          }
        }),
      );
    }
  }
}
