import type { VectorRecord } from '../../types.js';

/**
 * Collection rows in PostgreSQL's binary COPY format, for {@link SqlExecutor.copyBinary}: columns
 * `id text, embedding vector, metadata jsonb, document text`, in that order. pgvector's binary
 * form of a vector is int16 dimension, int16 unused (0), then float4 components, big-endian;
 * jsonb's is a version byte (1) and the JSON text.
 */

export const COPY_COLUMNS = ['id', 'embedding', 'metadata', 'document'] as const;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS_PER_ROW = COPY_COLUMNS.length;

export function copyBinaryRows(records: readonly VectorRecord[], dimension: number): Uint8Array {
  const texts = records.map((record) => ({
    id: Buffer.from(record.id, 'utf8'),
    metadata: Buffer.from(JSON.stringify(record.metadata ?? {}), 'utf8'),
    document: record.document === undefined ? null : Buffer.from(record.document, 'utf8'),
  }));
  const vectorBytes = 4 + 4 * dimension;
  // Header: signature, int32 flags, int32 extension length; trailer: int16 -1.
  let size = SIGNATURE.length + 8 + 2;
  for (const text of texts) {
    size += 2 + 4 + text.id.length + 4 + vectorBytes + 4 + 1 + text.metadata.length + 4;
    size += text.document?.length ?? 0;
  }
  const out = Buffer.alloc(size);
  let at = SIGNATURE.copy(out, 0) + 8; // flags and extension length stay 0
  records.forEach((record, i) => {
    const text = texts[i]!;
    at = out.writeInt16BE(FIELDS_PER_ROW, at);
    at = out.writeInt32BE(text.id.length, at);
    at += text.id.copy(out, at);
    at = out.writeInt32BE(vectorBytes, at);
    at = out.writeInt16BE(dimension, at);
    at = out.writeInt16BE(0, at);
    for (const component of record.vector) at = out.writeFloatBE(component, at);
    at = out.writeInt32BE(1 + text.metadata.length, at);
    at = out.writeUInt8(1, at);
    at += text.metadata.copy(out, at);
    if (text.document === null) at = out.writeInt32BE(-1, at);
    else {
      at = out.writeInt32BE(text.document.length, at);
      at += text.document.copy(out, at);
    }
  });
  out.writeInt16BE(-1, at);
  return out;
}
