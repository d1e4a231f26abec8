import { ConfigError, ValidationError } from '#core';

/**
 * Turns texts into vectors for the vector layer. Two implementations: `LocalEmbedder`
 * (./local-embedder.ts: offline, lexical) and `OpenAIEmbedder` (./openai-embedder.ts: the OpenAI
 * API or a server that speaks it); `createEmbedder` chooses one from the `embeddings` config section.
 *
 * The contract every implementation keeps:
 * - `dimension` is known when the embedder is constructed, before any call, so a collection can
 *   be created with it; every vector returned has exactly that length (an implementation that
 *   receives anything else throws a ValidationError rather than passing it on).
 * - `embed(texts)` returns one vector per text, in the order of `texts`; batching, splitting and
 *   concurrency happen inside. `embed([])` resolves to `[]` without any I/O.
 * - The empty string is a valid input and gives a well-defined vector (see each implementation);
 *   a non-string element is a ValidationError.
 * - Components are finite numbers. Whether vectors have unit length depends on the
 *   implementation; compare them with cosine similarity.
 * - `options.signal` cancels the call: once it is aborted, `embed` rejects with the signal's
 *   reason and sends no further requests.
 * - Failures of a remote service are BackendErrors whose message says what to fix.
 */
export interface Embedder {
  /** Identifies the model, for records and logs: `local/lexical-v1`, `openai/text-embedding-3-small`. */
  readonly name: string;
  /** Length of every vector this embedder returns. */
  readonly dimension: number;
  /** One vector per text, in input order. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<number[][]>;
  /** The vector of one text: `embed([text])[0]`. */
  embedOne(text: string, options?: EmbedOptions): Promise<number[]>;
}

export interface EmbedOptions {
  /** Aborting it rejects the call with the signal's reason. */
  signal?: AbortSignal;
}

/** Checks the input of `embed`: an array of strings. Returns the array for chaining. */
export function assertTexts(texts: readonly unknown[]): readonly string[] {
  if (!Array.isArray(texts)) {
    throw new ValidationError(`embed expects an array of strings, got ${typeof texts}`);
  }
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') {
      throw new ValidationError(`embed expects strings; texts[${i}] is ${describe(texts[i])}`, {
        index: i,
      });
    }
  }
  return texts as readonly string[];
}

/** Checks a dimension given to an embedder's constructor (it comes from configuration). */
export function assertDimension(dimension: unknown, where: string): number {
  if (typeof dimension !== 'number' || !Number.isInteger(dimension) || dimension < 1 || dimension > 16_000) {
    throw new ConfigError(`${where}: dimension must be an integer from 1 to 16000, got ${dimension}`, {
      dimension,
    });
  }
  return dimension;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
