/** A candidate result: lower distance is better, ties go to the smaller id (as the memory backend). */
export interface Candidate<T> {
  distance: number;
  id: string;
  item: T;
}

function worse<T>(a: Candidate<T>, b: Candidate<T>): boolean {
  return a.distance > b.distance || (a.distance === b.distance && a.id > b.id);
}

/**
 * Keeps the k best candidates seen, in O(log k) per offer: a binary heap whose root is the worst
 * kept candidate, so an exact scan over n records costs O(n log k) rather than a sort of n.
 */
export class TopK<T> {
  private readonly heap: Candidate<T>[] = [];

  constructor(private readonly k: number) {}

  get size(): number {
    return this.heap.length;
  }

  offer(candidate: Candidate<T>): void {
    const heap = this.heap;
    if (heap.length < this.k) {
      heap.push(candidate);
      this.siftUp(heap.length - 1);
    } else if (heap.length > 0 && worse(heap[0]!, candidate)) {
      heap[0] = candidate;
      this.siftDown(0);
    }
  }

  /** The kept candidates, best first. */
  sorted(): Candidate<T>[] {
    return [...this.heap].sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < heap.length && worse(heap[left]!, heap[worst]!)) worst = left;
      if (right < heap.length && worse(heap[right]!, heap[worst]!)) worst = right;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
      i = worst;
    }
  }
}
