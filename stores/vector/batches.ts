import pLimit from 'p-limit';

/** Splits `items` into batches of `size` and runs `work` on them, at most `concurrency` at a time. */
export async function inBatches<T>(
  items: readonly T[],
  size: number,
  concurrency: number,
  work: (batch: T[], offset: number) => Promise<void>,
): Promise<void> {
  const limit = pLimit(Math.max(1, concurrency));
  const tasks: Promise<void>[] = [];
  for (let offset = 0; offset < items.length; offset += size) {
    const batch = items.slice(offset, offset + size);
    tasks.push(limit(() => work(batch, offset)));
  }
  await Promise.all(tasks);
}
