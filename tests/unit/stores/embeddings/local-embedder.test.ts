import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../../../core/errors.js';
import { createEmbedder } from '../../../../stores/embeddings/create-embedder.js';
import { fnv1a32, LocalEmbedder } from '../../../../stores/embeddings/local-embedder.js';
import { exactDistance } from '../../../../stores/vector/score.js';

const cosine = (a: number[], b: number[]): number => 1 - exactDistance('cosine', a, b);
const norm = (v: number[]): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
const nonZero = (v: number[]): [number, number][] =>
  v.flatMap((x, i): [number, number][] => (x === 0 ? [] : [[i, x]]));

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes of non-ASCII text, surrogate pairs included', () => {
    const reference = (text: string): number => {
      let h = 0x811c9dc5;
      for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193);
      return h >>> 0;
    };
    for (const text of ['café', 'Ωμέγα', '東京', '𝔘𝔫𝔦', '😀 ok']) {
      expect(fnv1a32(text)).toBe(reference(text));
    }
  });
});

describe('LocalEmbedder', () => {
  const embedder = new LocalEmbedder();

  it('has 384 dimensions by default, known before any call, and a versioned name', () => {
    expect(embedder.dimension).toBe(384);
    expect(embedder.name).toBe('local/lexical-v1');
  });

  // Regression pin: these numbers are what 'local/lexical-v1' gives on every machine. If this test
  // fails, the hashing, tokenization or weighting changed, and every stored vector with it: bump
  // the name's version instead of updating the numbers.
  it('gives the pinned components for a known text (hashing, n-grams and weights unchanged)', () => {
    const vector = embedder.embedText('Hello, world!');
    const components = nonZero(vector);
    expect(components).toHaveLength(25);
    expect(components.slice(0, 6)).toEqual([
      [21, 0.13483997249264842],
      [23, -0.13483997249264842],
      [36, -0.13483997249264842],
      [37, -0.13483997249264842],
      [49, -0.13483997249264842],
      [66, 0.13483997249264842],
    ]);
    expect(new LocalEmbedder({ dimension: 8 }).embedText('Hello, world!')).toEqual([
      0.18295455282599674, -0.5010416779053447, -0.06478456689001721, -0.18295455282599674,
      0.6136482253680074, 0, -0.5488636584779902, 0,
    ]);
  });

  it('gives the same vector for the same text across instances, batches and positions', async () => {
    const texts = ['alpha beta gamma', 'the quick brown fox', 'alpha beta gamma', ''];
    const first = await embedder.embed(texts);
    const second = await new LocalEmbedder().embed([...texts].reverse());
    expect(first[0]).toEqual(first[2]);
    expect(second.reverse()).toEqual(first);
    expect(await embedder.embedOne('the quick brown fox')).toEqual(first[1]);
  });

  it('returns unit-length vectors of the configured dimension, in input order', async () => {
    const texts = Array.from(
      { length: 50 },
      (_, i) => `document ${i} about topic ${i % 7} and more ${'x'.repeat(i)}`,
    );
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(50);
    for (const [i, vector] of vectors.entries()) {
      expect(vector).toHaveLength(384);
      expect(norm(vector)).toBeCloseTo(1, 12);
      expect(vector).toEqual(embedder.embedText(texts[i]!));
    }
  });

  it('honors the dimension option', async () => {
    for (const dimension of [1, 16, 1000]) {
      const small = new LocalEmbedder({ dimension });
      expect(small.dimension).toBe(dimension);
      const [vector] = await small.embed(['some text to embed']);
      expect(vector).toHaveLength(dimension);
      expect(norm(vector!)).toBeCloseTo(1, 12);
    }
    expect(() => new LocalEmbedder({ dimension: 0 })).toThrow(ConfigError);
    expect(() => new LocalEmbedder({ dimension: 2.5 })).toThrow(ConfigError);
  });

  it('scores texts that share words above unrelated texts (lexical similarity)', async () => {
    const [query, sameWords, someWords, unrelated] = await embedder.embed([
      'how do I reset my password',
      'Reset your password from the account settings page',
      'Password resets need an email confirmation',
      'Quarterly revenue grew in the northeast region',
    ]);
    expect(cosine(query!, sameWords!)).toBeGreaterThan(cosine(query!, unrelated!));
    expect(cosine(query!, someWords!)).toBeGreaterThan(cosine(query!, unrelated!));
    expect(cosine(query!, sameWords!)).toBeGreaterThan(0.2);
    expect(Math.abs(cosine(query!, unrelated!))).toBeLessThan(0.15);
  });

  it('relates forms of a word through character n-grams, and word order through bigrams', async () => {
    const [embedding, embeddings, database] = await embedder.embed(['embedding', 'embeddings', 'database']);
    expect(cosine(embedding!, embeddings!)).toBeGreaterThan(0.3);
    expect(cosine(embedding!, embeddings!)).toBeGreaterThan(cosine(embedding!, database!) + 0.3);

    const [ab, abAgain, ba] = await embedder.embed(['dog bites man', 'dog bites man', 'man bites dog']);
    expect(cosine(ab!, abAgain!)).toBeCloseTo(1, 12);
    expect(cosine(ab!, ba!)).toBeLessThan(0.95);
    expect(cosine(ab!, ba!)).toBeGreaterThan(0.7);
  });

  it('weights repeated terms sublinearly (√tf): they count, but less than linearly', async () => {
    const [once, many] = await embedder.embed(['apple banana', 'apple apple apple apple banana']);
    // Measured: √tf gives 0.877; raw counts would give 0.768, and ignoring repeats 0.958.
    expect(cosine(once!, many!)).toBeGreaterThan(0.82);
    expect(cosine(once!, many!)).toBeLessThan(0.93);
  });

  it('gives empty and letterless texts one fixed unit vector, never a zero vector', async () => {
    const [empty, spaces, punctuation, emoji, text] = await embedder.embed([
      '',
      '   ',
      '?!…',
      '😀🎉',
      'hello',
    ]);
    expect(nonZero(empty!)).toEqual([[185, -1]]);
    expect(spaces).toEqual(empty);
    expect(punctuation).toEqual(empty);
    expect(emoji).toEqual(empty);
    expect(Math.abs(cosine(empty!, text!))).toBeLessThan(0.2);
    expect(await embedder.embed([])).toEqual([]);
  });

  it('normalizes Unicode (NFKC) and case before hashing', async () => {
    const pairs: [string, string][] = [
      ['École Normale', 'école normale'],
      ['e\u0301cole', 'école'], // decomposed vs precomposed
      ['Ｃａｆé', 'café'], // full-width letters
      ['ﬁle', 'file'], // ligature
      ['𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'unicode'], // mathematical letters outside the BMP
      ['ΣΟΦΙΑ', 'σοφια'],
    ];
    for (const [a, b] of pairs) expect(embedder.embedText(a)).toEqual(embedder.embedText(b));
    expect(embedder.embedText('cafe')).not.toEqual(embedder.embedText('café'));
  });

  it('embeds scripts without spaces through their character n-grams', async () => {
    const [tower, station, unrelated] = await embedder.embed(['東京タワーの夜景', '東京駅の夜景', 'Αθήνα']);
    expect(nonZero(tower!).length).toBeGreaterThan(10);
    expect(cosine(tower!, station!)).toBeGreaterThan(cosine(tower!, unrelated!) + 0.1);
  });

  it('rejects input that is not an array of strings', async () => {
    await expect(embedder.embed(['ok', 42 as unknown as string])).rejects.toThrow(ValidationError);
    await expect(embedder.embed(['ok', 42 as unknown as string])).rejects.toThrow('texts[1] is a number');
  });

  it('yields between chunks of a large call, so an abort stops it', async () => {
    const controller = new AbortController();
    const texts = Array.from({ length: 2000 }, (_, i) => `text number ${i}`);
    const pending = embedder.embed(texts, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(embedder.embed(['x'], { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('createEmbedder', () => {
  it('builds the local embedder by default and passes the dimension', () => {
    const local = createEmbedder({ provider: 'local', model: 'text-embedding-3-small' });
    expect(local).toBeInstanceOf(LocalEmbedder);
    expect(local.dimension).toBe(384);
    expect(createEmbedder({ provider: 'local', dimension: 128 }).dimension).toBe(128);
  });

  it('rejects an unknown provider with a ConfigError', () => {
    expect(() => createEmbedder({ provider: 'cohere' as 'local' })).toThrow(/embeddings\.provider/);
  });
});
