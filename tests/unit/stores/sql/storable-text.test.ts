import { describe, expect, it } from 'vitest';
import { isDataException, storableJson, storableText } from '../../../../stores/sql/storable-text.js';

describe('storable text', () => {
  it('replaces NUL and lone surrogates, and keeps every well-formed character, pairs included', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(storableText('emoji 😀 and é')).toBe('emoji 😀 and é');
  });

  it('cleans every string and key of a JSON value at any depth, without changing the input', () => {
    const input = { 'k\u0000': ['v\uD83D', { deep: 'ok' }], n: 1, b: true, z: null };
    const copy = structuredClone(input);
    expect(storableJson(input)).toEqual({ 'k\uFFFD': ['v\uFFFD', { deep: 'ok' }], n: 1, b: true, z: null });
    expect(input).toEqual(copy);
  });

  it("knows PostgreSQL's data exceptions by their class 22 code", () => {
    expect(isDataException({ code: '22021' })).toBe(true);
    expect(isDataException({ code: '22P02' })).toBe(true);
    expect(isDataException({ code: '23505' })).toBe(false);
    expect(isDataException(new Error('x'))).toBe(false);
    expect(isDataException(null)).toBe(false);
  });
});
