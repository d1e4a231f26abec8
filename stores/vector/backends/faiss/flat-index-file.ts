import type { Metric } from '../../types.js';
import { usesInnerProduct } from './faiss-binding.js';

/**
 * Writes FAISS's IndexFlat file format ("IxF2" for l2, "IxFI" for inner product; faiss 1.7.x
 * impl/index_write.cpp), which `Index.read` loads. The addon's own writer cannot be used on flat
 * indexes (see faiss-binding.ts), and the vectors are at hand anyway. The tests compare the
 * bytes with faiss's writer on an index it can write.
 *
 * Layout, little-endian: fourcc, d (int32), ntotal (int64), two int64 fields faiss fills with
 * 2^20, is_trained (uint8), metric_type (int32), the code vector's length in floats (uint64),
 * then ntotal × d float32.
 */
const HEADER_BYTES = 45;
const CHUNK_BYTES = 1 << 20;

export function* flatIndexFile(
  metric: Metric,
  dimension: number,
  count: number,
  vectors: Iterable<Float32Array>,
): Generator<Uint8Array> {
  const header = Buffer.alloc(HEADER_BYTES);
  const innerProduct = usesInnerProduct(metric);
  header.write(innerProduct ? 'IxFI' : 'IxF2', 0, 'latin1');
  header.writeInt32LE(dimension, 4);
  header.writeBigInt64LE(BigInt(count), 8);
  header.writeBigInt64LE(1n << 20n, 16);
  header.writeBigInt64LE(1n << 20n, 24);
  header.writeUInt8(1, 32);
  header.writeInt32LE(innerProduct ? 0 : 1, 33);
  header.writeBigUInt64LE(BigInt(count * dimension), 37);
  yield header;

  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / (4 * dimension)));
  let chunk = new Float32Array(perChunk * dimension);
  let filled = 0;
  let written = 0;
  for (const vector of vectors) {
    chunk.set(vector, filled * dimension);
    filled++;
    written++;
    if (filled === perChunk) {
      yield new Uint8Array(chunk.buffer);
      chunk = new Float32Array(perChunk * dimension);
      filled = 0;
    }
  }
  if (filled > 0) yield new Uint8Array(chunk.buffer, 0, filled * dimension * 4);
  if (written !== count) throw new Error(`flat index file: expected ${count} vectors, got ${written}`);
}
