import { connectInMemory, dataOf, type InMemoryConnection, textOf } from '../../../support/in-memory-mcp.js';
import { Client } from '@modelcontextprotocol/client';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { type Logger, silentLogger } from '../../../../core/logger.js';
import { createServer } from '../../../../mcp-servers/vector/create-server.js';
import type { Embedder, EmbedOptions } from '../../../../stores/embeddings/embedder.js';
import { LocalEmbedder } from '../../../../stores/embeddings/local-embedder.js';
import type { VectorStore } from '../../../../stores/vector/types.js';

/** The real server and an SDK client, linked in memory. */
export type Connected = InMemoryConnection;

/** Small chunks, so a few sentences make a multi-chunk document. */
export const TEST_CHUNKING = { maxChars: 200, overlap: 0 };

export async function connect(
  store: VectorStore,
  embedder: Embedder = new LocalEmbedder(),
  logger: Logger = silentLogger,
): Promise<Connected> {
  return connectInMemory(
    createServer({ store, embedder, logger, chunking: TEST_CHUNKING }),
    new Client({ name: 'vector-test', version: '1.0.0' }),
  );
}

export { dataOf, textOf };

export interface Match {
  id: string;
  similarity: number;
  distance: number;
  metadata: Record<string, unknown>;
  document: string | null;
  vector?: number[];
}

/**
 * Wraps the local embedder; after `freeCalls` calls, each call waits until its signal aborts
 * (then rejects with the reason, as the Embedder contract says). No timers: the test decides
 * when the upsert is cancelled.
 */
export class GateEmbedder implements Embedder {
  readonly name = 'test/gate';
  readonly dimension: number;
  calls = 0;
  /** Resolves when a call is being held. */
  readonly held: Promise<void>;
  private resolveHeld!: () => void;

  constructor(
    private readonly inner: LocalEmbedder,
    private readonly freeCalls: number,
  ) {
    this.dimension = inner.dimension;
    this.held = new Promise((resolve) => (this.resolveHeld = resolve));
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<number[][]> {
    this.calls++;
    if (this.calls > this.freeCalls) {
      const { signal } = options;
      this.resolveHeld();
      await new Promise<never>((_, reject) => {
        const stop = (): void => reject(signal?.reason);
        if (signal?.aborted) stop();
        else signal?.addEventListener('abort', stop, { once: true });
      });
    }
    return this.inner.embed(texts, options);
  }

  async embedOne(text: string, options?: EmbedOptions): Promise<number[]> {
    const [vector] = await this.embed([text], options);
    return vector!;
  }
}

/** A logger whose lines the test can wait for (the server reports a cancelled upsert in its log). */
export function captureLogger(): { logger: Logger; waitFor(msg: string): Promise<Record<string, unknown>> } {
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve(line: Record<string, unknown>): void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.msg === line['msg'])) waiter.resolve(line);
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, stream),
    waitFor: (msg) =>
      new Promise((resolve) => {
        const seen = lines.find((line) => line['msg'] === msg);
        if (seen) resolve(seen);
        else waiters.push({ msg, resolve });
      }),
  };
}
