import { ConfigError } from '#core';

/** How documents are cut into chunks before embedding. */
export interface ChunkOptions {
  /** Largest chunk, in UTF-16 code units (JavaScript string length). @defaultValue 1000 */
  maxChars?: number;
  /**
   * Text repeated from the end of one chunk at the start of the next, at most this many code
   * units, made of whole sentences (or words), so a passage cut at a boundary is still found.
   * Must be smaller than `maxChars`. @defaultValue 150
   */
  overlap?: number;
}

export const DEFAULT_CHUNK_OPTIONS: Required<ChunkOptions> = { maxChars: 1000, overlap: 150 };

/** Validates options (they come from configuration) and fills in the defaults. */
export function resolveChunkOptions(options: ChunkOptions = {}): Required<ChunkOptions> {
  const resolved = { ...DEFAULT_CHUNK_OPTIONS, ...options };
  const { maxChars, overlap } = resolved;
  if (!Number.isInteger(maxChars) || maxChars < 20 || maxChars > 100_000) {
    throw new ConfigError(`chunking.maxChars must be an integer from 20 to 100000, got ${maxChars}`);
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= maxChars) {
    throw new ConfigError(
      `chunking.overlap must be an integer from 0 to maxChars - 1 (${maxChars - 1}), got ${overlap}`,
    );
  }
  return resolved;
}

/** One sentence-sized piece of text and whether a paragraph ends after it. */
interface Piece {
  text: string;
  endsParagraph: boolean;
}

/**
 * Cuts a text into chunks of at most `maxChars`, deterministically (the same text and options
 * always give the same chunks, so a re-upsert rewrites the same chunk ids):
 * 1. Paragraphs are separated by blank lines; whitespace inside a paragraph collapses to one space.
 * 2. Paragraphs are split into sentences after `.`, `!`, `?` (and their CJK forms) followed by space;
 *    a sentence longer than `maxChars` is split between words, a word longer than that by code points.
 * 3. Pieces are packed greedily into chunks, joined by a blank line across paragraphs and a space
 *    inside one. A new chunk starts with the trailing pieces of the previous one that fit in
 *    `overlap` (and leave room for the next piece).
 *
 * A text with no non-space character gives no chunk.
 */
export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  const { maxChars, overlap } = resolveChunkOptions(options);
  const pieces = toPieces(text, maxChars);
  const chunks: string[] = [];
  let current: Piece[] = [];
  let length = 0;

  for (const piece of pieces) {
    if (current.length > 0 && length + 2 + piece.text.length > maxChars) {
      chunks.push(join(current));
      current = overlapTail(current, overlap, maxChars - piece.text.length - 2);
      length = joinedLength(current);
    }
    length += (current.length > 0 ? separator(current.at(-1)!).length : 0) + piece.text.length;
    current.push(piece);
  }
  if (current.length > 0) chunks.push(join(current));
  return chunks;
}

function toPieces(text: string, maxChars: number): Piece[] {
  const pieces: Piece[] = [];
  const paragraphs = text
    .split(/\n[ \t\f\v\r]*\n/)
    .map((paragraph) => paragraph.replace(/\s+/g, ' ').trim())
    .filter((paragraph) => paragraph.length > 0);
  for (const paragraph of paragraphs) {
    const sentences = paragraph.split(/(?<=[.!?。！？])\s+/u).flatMap((s) => splitLong(s, maxChars));
    sentences.forEach((sentence, i) =>
      pieces.push({ text: sentence, endsParagraph: i === sentences.length - 1 }),
    );
  }
  return pieces;
}

/** Splits a sentence longer than `maxChars` between words; a longer word by code points. */
function splitLong(sentence: string, maxChars: number): string[] {
  if (sentence.length <= maxChars) return [sentence];
  const parts: string[] = [];
  let current = '';
  for (const word of sentence.split(' ')) {
    for (const slice of splitWord(word, maxChars)) {
      if (current.length > 0 && current.length + 1 + slice.length > maxChars) {
        parts.push(current);
        current = '';
      }
      current = current.length > 0 ? `${current} ${slice}` : slice;
    }
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

function splitWord(word: string, maxChars: number): string[] {
  if (word.length <= maxChars) return [word];
  const slices: string[] = [];
  let slice = '';
  // By code points, so a surrogate pair is never cut in half.
  for (const codePoint of word) {
    if (slice.length + codePoint.length > maxChars) {
      slices.push(slice);
      slice = '';
    }
    slice += codePoint;
  }
  if (slice.length > 0) slices.push(slice);
  return slices;
}

/** The trailing pieces whose joined length is at most `overlap` and at most `room`. */
function overlapTail(pieces: Piece[], overlap: number, room: number): Piece[] {
  const limit = Math.min(overlap, room);
  const tail: Piece[] = [];
  for (let i = pieces.length - 1; i >= 0; i--) {
    const candidate = [pieces[i]!, ...tail];
    if (joinedLength(candidate) > limit) break;
    tail.unshift(pieces[i]!);
  }
  return tail;
}

function separator(previous: Piece): string {
  return previous.endsParagraph ? '\n\n' : ' ';
}

function join(pieces: readonly Piece[]): string {
  return pieces.map((piece, i) => (i === 0 ? piece.text : separator(pieces[i - 1]!) + piece.text)).join('');
}

function joinedLength(pieces: readonly Piece[]): number {
  return join(pieces).length;
}
