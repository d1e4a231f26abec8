import { describe, expect, it } from 'vitest';
import {
  ARRAYS_KEY,
  DOCUMENT_KEY,
  decodePayload,
  encodePayload,
  ID_KEY,
  METADATA_KEY,
} from '../../../../stores/vector/backends/qdrant/qdrant-payload.js';
import type { Metadata } from '../../../../stores/vector/types.js';
import { RESERVED_KEY_PREFIX } from '../../../../stores/vector/validate.js';

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('Qdrant payload layout', () => {
  it('keeps user metadata in its own sub-object and bookkeeping under the reserved prefix', () => {
    const payload = encodePayload({ id: 'a', vector: [1], metadata: { tag: 'red', n: 1 }, document: 'text' });
    expect(payload).toEqual({ [METADATA_KEY]: { tag: 'red', n: 1 }, [ID_KEY]: 'a', [DOCUMENT_KEY]: 'text' });
    for (const key of [ID_KEY, DOCUMENT_KEY, ARRAYS_KEY])
      expect(key.startsWith(RESERVED_KEY_PREFIX)).toBe(true);
  });

  it('writes no document and no arrays key when there are none', () => {
    expect(encodePayload({ id: 'a', vector: [1] })).toEqual({ [METADATA_KEY]: {}, [ID_KEY]: 'a' });
  });

  it('replaces each array, at any depth, by an empty object and keeps it by dotted path', () => {
    const metadata: Metadata = {
      list: [1, 2],
      empty: [],
      owner: { tags: ['x'], deep: { objs: [{ a: 1 }] } },
    };
    expect(encodePayload({ id: 'a', vector: [1], metadata })).toEqual({
      [METADATA_KEY]: { list: {}, empty: {}, owner: { tags: {}, deep: { objs: {} } } },
      [ID_KEY]: 'a',
      [ARRAYS_KEY]: { list: [1, 2], empty: [], 'owner.tags': ['x'], 'owner.deep.objs': [{ a: 1 }] },
    });
    expect(metadata).toEqual({ list: [1, 2], empty: [], owner: { tags: ['x'], deep: { objs: [{ a: 1 }] } } });
  });

  it('gives back metadata, document and id exactly as written', () => {
    const metadata: Metadata = {
      n: 1.5,
      s: '',
      b: false,
      nil: null,
      list: [1, 'two', null, [3], { four: 4 }],
      empty: [],
      obj: { inner: { arr: ['z'] }, none: {} },
    };
    const payload = roundTrip(encodePayload({ id: 'doc', vector: [1], metadata, document: '' }));
    expect(decodePayload(payload, 'point-id')).toEqual({ id: 'doc', metadata, document: '' });
  });

  it('reads a point written by another tool: no metadata, no id, no document', () => {
    expect(decodePayload({ title: 'x' }, '9b1c…')).toEqual({ id: '9b1c…', metadata: {}, document: null });
    expect(decodePayload(null, '7')).toEqual({ id: '7', metadata: {}, document: null });
  });

  it('turns BigInt integers (the client on Node 22+) back into numbers', () => {
    const payload = {
      [METADATA_KEY]: { big: 2n ** 60n, list: {} },
      [ARRAYS_KEY]: { list: [2n ** 61n] },
      [ID_KEY]: 'a',
    };
    const { metadata } = decodePayload(payload, 'a');
    expect(metadata).toEqual({ big: 2 ** 60, list: [2 ** 61] });
    expect(typeof metadata.big).toBe('number');
  });
});
