import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../core/errors.js';
import { chunkText, resolveChunkOptions } from '../../../../mcp-servers/vector/chunk.js';

const sentence = (n: number): string => `Sentence number ${n} talks about topic ${n}.`;

describe('chunkText', () => {
  it('keeps a short text as one chunk, collapsing whitespace inside paragraphs', () => {
    expect(chunkText('Hello   world.\nSecond  line.')).toEqual(['Hello world. Second line.']);
  });

  it('gives no chunk for a blank text', () => {
    expect(chunkText('  \n\n \t ')).toEqual([]);
  });

  it('joins paragraphs with a blank line when they fit in one chunk', () => {
    expect(chunkText('First paragraph.\n\n\nSecond paragraph.')).toEqual([
      'First paragraph.\n\nSecond paragraph.',
    ]);
  });

  it('never exceeds maxChars and cuts between sentences', () => {
    const text = Array.from({ length: 40 }, (_, i) => sentence(i)).join(' ');
    const chunks = chunkText(text, { maxChars: 120, overlap: 0 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(120);
      expect(chunk).toMatch(/^Sentence number \d+.*\.$/);
    }
    // Without overlap, the chunks are the text again.
    expect(chunks.join(' ')).toBe(text);
  });

  it('repeats whole trailing sentences of the previous chunk up to the overlap', () => {
    const text = Array.from({ length: 20 }, (_, i) => sentence(i)).join(' ');
    const chunks = chunkText(text, { maxChars: 120, overlap: 50 });
    for (let i = 1; i < chunks.length; i++) {
      const lastSentence = chunks[i - 1]!.match(/Sentence number \d+ [^.]*\.$/)![0];
      expect(chunks[i]!.startsWith(lastSentence)).toBe(true);
      expect(chunks[i]!.length).toBeLessThanOrEqual(120);
    }
  });

  it('splits a sentence longer than maxChars between words, and a long word by code points', () => {
    const long = 'word '.repeat(50).trim();
    const wordChunks = chunkText(long, { maxChars: 32, overlap: 0 });
    expect(wordChunks.every((c) => c.length <= 32 && !c.startsWith(' ') && !c.endsWith(' '))).toBe(true);
    expect(wordChunks.join(' ')).toBe(long);

    const emoji = '😀'.repeat(30); // 60 code units; a surrogate pair must not be cut
    const emojiChunks = chunkText(emoji, { maxChars: 25, overlap: 0 });
    expect(emojiChunks.every((c) => c.length <= 25 && !/[\uD800-\uDBFF]$/.test(c))).toBe(true);
    expect(emojiChunks.join('')).toBe(emoji);
  });

  it('is deterministic', () => {
    const text = Array.from({ length: 30 }, (_, i) => sentence(i)).join('\n\n');
    expect(chunkText(text, { maxChars: 200, overlap: 60 })).toEqual(
      chunkText(text, { maxChars: 200, overlap: 60 }),
    );
  });
});

describe('resolveChunkOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveChunkOptions()).toEqual({ maxChars: 1000, overlap: 150 });
  });

  it('refuses an overlap not smaller than maxChars, and a tiny maxChars', () => {
    expect(() => resolveChunkOptions({ maxChars: 100, overlap: 100 })).toThrow(ConfigError);
    expect(() => resolveChunkOptions({ maxChars: 5 })).toThrow(/maxChars/);
  });
});
