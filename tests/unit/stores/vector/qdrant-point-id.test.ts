import { createHash } from 'node:crypto';
import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { POINT_ID_NAMESPACE, pointIdFor } from '../../../../stores/vector/backends/qdrant/point-id.js';
import { decodePayload, encodePayload } from '../../../../stores/vector/backends/qdrant/qdrant-payload.js';

const IDS = [
  'doc-1',
  'with space',
  'ünïcødé',
  'a/b?c=d',
  '42',
  '00000000-0000-0000-0000-000000000000',
  'x'.repeat(512),
];

describe('pointIdFor', () => {
  it('maps every string id to a UUID of version 5', () => {
    for (const id of IDS) {
      const pointId = pointIdFor(id);
      expect(validate(pointId)).toBe(true);
      expect(version(pointId)).toBe(5);
    }
  });

  it('is stable: the namespace and the mapping are pinned (changing them orphans stored points)', () => {
    expect(POINT_ID_NAMESPACE).toBe('7e67bfc3-ad2e-4aeb-82ec-c2b956f83fe5');
    expect(pointIdFor('doc-1')).toBe(pointIdFor('doc-1'));
    expect(pointIdFor('doc-1')).toBe('2bc8ec91-c38b-56fc-b028-b1f520f27ab9');
  });

  it('is RFC 4122 UUIDv5: SHA-1 of namespace and UTF-8 id, version and variant bits set', () => {
    for (const id of IDS) expect(pointIdFor(id)).toBe(referenceV5(id));
  });

  it('gives distinct ids distinct points, even ids that already look like UUIDs', () => {
    const pointIds = IDS.map(pointIdFor);
    expect(new Set(pointIds).size).toBe(IDS.length);
    expect(pointIdFor('00000000-0000-0000-0000-000000000000')).not.toBe(
      '00000000-0000-0000-0000-000000000000',
    );
    expect(pointIdFor('Doc-1')).not.toBe(pointIdFor('doc-1'));
  });

  it('keeps the original id in the payload, where queries read it back', () => {
    for (const id of IDS) {
      const payload = JSON.parse(JSON.stringify(encodePayload({ id, vector: [1] })));
      expect(decodePayload(payload, pointIdFor(id)).id).toBe(id);
    }
  });
});

/** UUIDv5 computed from the RFC, independently of the uuid package. */
function referenceV5(name: string): string {
  const namespace = Buffer.from(POINT_ID_NAMESPACE.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest().subarray(0, 16);
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
