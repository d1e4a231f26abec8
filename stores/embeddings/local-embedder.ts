import { assertDimension, assertTexts, type Embedder, type EmbedOptions } from './embedder.js';

export interface LocalEmbedderOptions {
  /** Length of the vectors. @defaultValue 384 */
  dimension?: number;
}

/** The local embedder's dimension when none is configured. */
export const LOCAL_DEFAULT_DIMENSION = 384;

/**
 * An offline embedder by feature hashing: no model, no download, no network.
 *
 * **Lexical, not semantic.** Two texts are similar when they share words, word pairs or parts of
 * words ("embedding" / "embeddings"); synonyms and paraphrases with different words are not.
 * It is the default so the runtime works with no API key; configure `openai` for semantic search.
 *
 * How a text becomes a vector (version `lexical-v1`; changing any step changes every vector, so
 * the unit test pins a few components):
 * 1. Normalize: Unicode NFKC, then `toLowerCase()` (locale-independent), then NFKC again (lower-
 *    casing can decompose, as `İ` → `i̇`).
 * 2. Words are the runs of letters, digits and combining marks (`\p{L}\p{N}\p{M}`); everything
 *    else separates them.
 * 3. Three families of features: word unigrams; word bigrams (adjacent words); character 3-, 4-
 *    and 5-grams of each word padded with boundary marks (`<word>`), over code points.
 * 4. Each feature is hashed (FNV-1a 32 over a family tag and the UTF-8 bytes, then murmur3's
 *    finalizer to spread the bits): bit 0 gives the sign, the rest modulo `dimension` the
 *    component (signed hashing keeps collisions from adding up in expectation).
 * 5. Term frequencies are weighted sublinearly, √tf; each family's vector is L2-normalized and
 *    scaled so its share of the squared norm is words 0.45, character n-grams 0.40, bigrams 0.15
 *    — cosine similarity is then about 0.45·cos(words) + 0.40·cos(n-grams) + 0.15·cos(bigrams).
 * 6. The sum is L2-normalized: every vector has unit length.
 *
 * A text with no letters or digits (the empty string, only spaces or punctuation) has no feature;
 * it gets one fixed unit vector (the hashed sentinel feature), equal for all such texts and nearly
 * orthogonal to the rest, never a zero vector (which cosine cannot compare).
 *
 * Determinism: only integer hashing, additions, multiplications and `Math.sqrt` (exactly rounded
 * by IEEE 754) are involved, in a fixed order, so the same text gives the same vector bit for bit
 * on every machine and Node version (given the same Unicode tables for normalization and case).
 * Cost is linear in the text's length; there is no length limit.
 */
export class LocalEmbedder implements Embedder {
  readonly name = 'local/lexical-v1';
  readonly dimension: number;
  private readonly families: Float64Array[];
  /** Feature hashes of the current text per family (words, bigrams, character n-grams); reused. */
  private readonly bags: [HashBag, HashBag, HashBag] = [new HashBag(), new HashBag(), new HashBag()];

  constructor(options: LocalEmbedderOptions = {}) {
    this.dimension = assertDimension(options.dimension ?? LOCAL_DEFAULT_DIMENSION, 'local embedder');
    this.families = FAMILY_SCALES.map(() => new Float64Array(this.dimension));
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<number[][]> {
    assertTexts(texts);
    const { signal } = options;
    signal?.throwIfAborted();
    const vectors: number[][] = [];
    for (let i = 0; i < texts.length; i++) {
      // Yield between chunks: a large call must not hold the event loop (and can be cancelled).
      if (i > 0 && i % CHUNK === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
      }
      vectors.push(this.embedText(texts[i]!));
    }
    return vectors;
  }

  async embedOne(text: string, options: EmbedOptions = {}): Promise<number[]> {
    const [vector] = await this.embed([text], options);
    return vector!;
  }

  /** The vector of one text, synchronously (the embedder holds no state between calls). */
  embedText(text: string): number[] {
    const [wordBag, bigramBag, gramBag] = this.bags;
    for (const bag of this.bags) bag.clear();

    const words = text.normalize('NFKC').toLowerCase().normalize('NFKC').match(WORD) ?? [];
    let previous: number[] | null = null;
    for (const word of words) {
      const codePoints = toCodePoints(word);
      wordBag.add(finish(hashCodePoints(seed(TAG_WORD), codePoints, 0, codePoints.length)));
      if (previous) {
        let h = hashCodePoints(seed(TAG_BIGRAM), previous, 0, previous.length);
        h = fnvByte(h, 0x20);
        bigramBag.add(finish(hashCodePoints(h, codePoints, 0, codePoints.length)));
      }
      addCharGrams(gramBag, codePoints);
      previous = codePoints;
    }

    const out = new Float64Array(this.dimension);
    if (wordBag.size === 0) {
      addFeature(out, finish(seed(TAG_EMPTY)), 1, this.dimension);
      return Array.from(out);
    }
    // Family order fixed (words, bigrams, n-grams): the float sums must happen in one order.
    for (let f = 0; f < FAMILY_SCALES.length; f++) {
      const bag = this.bags[f]!;
      if (bag.size === 0) continue;
      const family = this.families[f]!;
      family.fill(0);
      bag.forEachCount((hash, tf) => addFeature(family, hash, Math.sqrt(tf), this.dimension));
      const norm = Math.sqrt(sumOfSquares(family));
      if (norm === 0) continue;
      const scale = FAMILY_SCALES[f]! / norm;
      for (let i = 0; i < out.length; i++) out[i]! += family[i]! * scale;
    }
    const norm = Math.sqrt(sumOfSquares(out));
    const vector = new Array<number>(out.length);
    for (let i = 0; i < out.length; i++) vector[i] = norm === 0 ? 0 : out[i]! / norm;
    return vector;
  }
}

/** Texts embedded between two yields to the event loop. */
const CHUNK = 256;
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const MIN_GRAM = 3;
const MAX_GRAM = 5;
const BOUNDARY_START = 0x3c; // '<'
const BOUNDARY_END = 0x3e; // '>'
const TAG_WORD = 0x77; // 'w'
const TAG_BIGRAM = 0x62; // 'b'
const TAG_GRAM = 0x63; // 'c'
const TAG_EMPTY = 0x65; // 'e'
/** √(share of the squared norm) per family, in the order words, bigrams, character n-grams. */
const FAMILY_SCALES = [Math.sqrt(0.45), Math.sqrt(0.15), Math.sqrt(0.4)];

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a, 32 bits, over the UTF-8 bytes of `text`, as an unsigned integer. Exported so a test can
 * check it against the published test vectors (`fnv1a32('a') === 0xe40c292c`).
 */
export function fnv1a32(text: string): number {
  const codePoints = toCodePoints(text);
  return hashCodePoints(FNV_OFFSET, codePoints, 0, codePoints.length) >>> 0;
}

function seed(tag: number): number {
  return fnvByte(FNV_OFFSET, tag);
}

function fnvByte(h: number, byte: number): number {
  return Math.imul(h ^ byte, FNV_PRIME);
}

/** Feeds code points [start, end) into the hash as UTF-8 bytes (no string is built). */
function hashCodePoints(h: number, codePoints: readonly number[], start: number, end: number): number {
  for (let i = start; i < end; i++) h = fnvCodePoint(h, codePoints[i]!);
  return h;
}

function fnvCodePoint(h: number, cp: number): number {
  if (cp < 0x80) return fnvByte(h, cp);
  if (cp < 0x800) return fnvByte(fnvByte(h, 0xc0 | (cp >> 6)), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) {
    h = fnvByte(h, 0xe0 | (cp >> 12));
    return fnvByte(fnvByte(h, 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
  }
  h = fnvByte(fnvByte(h, 0xf0 | (cp >> 18)), 0x80 | ((cp >> 12) & 0x3f));
  return fnvByte(fnvByte(h, 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
}

/** murmur3's 32-bit finalizer: FNV's low bits are weak, and the component is taken modulo. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addCharGrams(bag: HashBag, codePoints: readonly number[]): void {
  const padded = [BOUNDARY_START, ...codePoints, BOUNDARY_END];
  for (let start = 0; start + MIN_GRAM <= padded.length; start++) {
    // One pass per start position: the 3-gram's hash state continues into the 4- and 5-gram.
    let h = seed(TAG_GRAM);
    const end = Math.min(start + MAX_GRAM, padded.length);
    for (let i = start; i < end; i++) {
      h = fnvCodePoint(h, padded[i]!);
      if (i - start + 1 >= MIN_GRAM) bag.add(finish(h));
    }
  }
}

/**
 * A multiset of feature hashes. Features are counted by their full 32-bit hash, so two features of
 * one text that collide on all 32 bits count as one (rare, and deterministic like the rest).
 * Sorting a typed array and counting runs is several times faster than a Map, and visits the
 * features in one fixed order (ascending hash), which the float sums need.
 */
class HashBag {
  private hashes = new Uint32Array(1024);
  size = 0;

  clear(): void {
    this.size = 0;
  }

  add(hash: number): void {
    if (this.size === this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.size++] = hash;
  }

  /** Calls `visit` once per distinct hash, in ascending order, with its count. */
  forEachCount(visit: (hash: number, count: number) => void): void {
    const sorted = this.hashes.subarray(0, this.size).sort();
    let run = 1;
    for (let i = 1; i <= sorted.length; i++) {
      if (i < sorted.length && sorted[i] === sorted[i - 1]) run++;
      else {
        visit(sorted[i - 1]!, run);
        run = 1;
      }
    }
  }
}

function addFeature(target: Float64Array, hash: number, weight: number, dimension: number): void {
  const index = (hash >>> 1) % dimension;
  target[index]! += (hash & 1) === 1 ? -weight : weight;
}

function sumOfSquares(vector: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return sum;
}

function toCodePoints(text: string): number[] {
  const codePoints: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    codePoints.push(cp);
    if (cp > 0xffff) i++;
  }
  return codePoints;
}
