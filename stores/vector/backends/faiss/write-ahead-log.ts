import { createHash } from 'node:crypto';
import { type FileHandle, open, readFile, truncate } from 'node:fs/promises';
import { z } from 'zod';
import { BackendError } from '#core';
import type { Metadata } from '../../types.js';

/**
 * A collection's write-ahead log: every upsert and delete since its last snapshot, appended and
 * fsynced before the change is applied in memory and acknowledged. Rewriting a whole collection
 * on every write would cost O(collection) per write; the log costs O(write), and a snapshot
 * (compaction) folds it in once it has grown.
 *
 * Frame: uint32 LE body length, SHA-256 of the body (32 bytes), body. Body: uint32 LE JSON length,
 * the JSON (op, ids, metadata, documents) padded to 4 bytes, then the upserted vectors as float32
 * in host order (the store refuses to open on a big-endian host). A crash in the
 * middle of an append leaves a torn last frame: reading stops at the first frame that is short or
 * fails its hash, and the file is truncated there. That write was never acknowledged.
 */

export interface WalRecord {
  id: string;
  vector: Float32Array;
  metadata: Metadata;
  document: string | null;
}

export type WalEntry = { op: 'upsert'; records: WalRecord[] } | { op: 'delete'; ids: string[] };

const HeaderSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('upsert'),
    records: z.array(
      z.object({ id: z.string().min(1), m: z.record(z.string(), z.unknown()), d: z.string().nullable() }),
    ),
  }),
  z.object({ op: z.literal('delete'), ids: z.array(z.string().min(1)) }),
]);

const LENGTH_BYTES = 4;
const HASH_BYTES = 32;

export class WriteAheadLog {
  private broken: Error | null = null;

  private constructor(
    private readonly handle: FileHandle,
    private bytes: number,
    private readonly dimension: number,
    private readonly fsync: boolean,
  ) {}

  /** Creates an empty log (the file must not exist). */
  static async create(path: string, dimension: number, fsync: boolean): Promise<WriteAheadLog> {
    const handle = await open(path, 'wx');
    await handle.sync();
    return new WriteAheadLog(handle, 0, dimension, fsync);
  }

  /** Opens a log for appending, returning the entries it holds and how many bytes were torn off. */
  static async open(
    path: string,
    dimension: number,
    fsync: boolean,
  ): Promise<{ log: WriteAheadLog; entries: WalEntry[]; discardedBytes: number }> {
    const data = await readFile(path);
    const { entries, validBytes } = decodeFrames(data, dimension);
    if (validBytes < data.byteLength) await truncate(path, validBytes);
    const handle = await open(path, 'a');
    if (validBytes < data.byteLength) await handle.sync();
    return {
      log: new WriteAheadLog(handle, validBytes, dimension, fsync),
      entries,
      discardedBytes: data.byteLength - validBytes,
    };
  }

  get size(): number {
    return this.bytes;
  }

  /** Appends one entry durably. On failure the file is cut back so no torn frame stays behind. */
  async append(entry: WalEntry): Promise<void> {
    if (this.broken) throw new BackendError('faiss', 'the write-ahead log failed earlier', this.broken);
    const frame = encodeFrame(entry, this.dimension);
    try {
      await this.handle.write(frame);
      if (this.fsync) await this.handle.datasync();
      this.bytes += frame.byteLength;
    } catch (error) {
      try {
        await this.handle.truncate(this.bytes);
      } catch (truncateError) {
        this.broken = truncateError as Error;
      }
      throw new BackendError(
        'faiss',
        `could not append to the write-ahead log: ${(error as Error).message}`,
        error,
      );
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

export function encodeFrame(entry: WalEntry, dimension: number): Buffer {
  const header =
    entry.op === 'upsert'
      ? { op: 'upsert', records: entry.records.map((r) => ({ id: r.id, m: r.metadata, d: r.document })) }
      : { op: 'delete', ids: entry.ids };
  const text = JSON.stringify(header);
  // Padding the JSON to a multiple of 4 aligns the vectors, so they are copied as one Float32Array.
  const json = Buffer.from(text.padEnd(text.length + ((4 - (Buffer.byteLength(text) % 4)) % 4)), 'utf8');
  const vectors = entry.op === 'upsert' ? entry.records.length * dimension : 0;
  const body = Buffer.alloc(LENGTH_BYTES + json.byteLength + vectors * 4);
  body.writeUInt32LE(json.byteLength, 0);
  json.copy(body, LENGTH_BYTES);
  if (entry.op === 'upsert') {
    const floats = new Float32Array(body.buffer, body.byteOffset + LENGTH_BYTES + json.byteLength, vectors);
    entry.records.forEach((record, i) => {
      floats.set(record.vector, i * dimension);
    });
  }
  const frame = Buffer.alloc(LENGTH_BYTES + HASH_BYTES);
  frame.writeUInt32LE(body.byteLength, 0);
  createHash('sha256').update(body).digest().copy(frame, LENGTH_BYTES);
  return Buffer.concat([frame, body]);
}

/** Decodes whole frames from the start; stops at the first torn or damaged one. */
export function decodeFrames(data: Buffer, dimension: number): { entries: WalEntry[]; validBytes: number } {
  const entries: WalEntry[] = [];
  let offset = 0;
  while (offset + LENGTH_BYTES + HASH_BYTES <= data.byteLength) {
    const length = data.readUInt32LE(offset);
    const start = offset + LENGTH_BYTES + HASH_BYTES;
    if (start + length > data.byteLength) break;
    const body = data.subarray(start, start + length);
    const expected = data.subarray(offset + LENGTH_BYTES, start);
    if (!createHash('sha256').update(body).digest().equals(expected)) break;
    const entry = decodeBody(body, dimension);
    if (!entry) break;
    entries.push(entry);
    offset = start + length;
  }
  return { entries, validBytes: offset };
}

function decodeBody(body: Buffer, dimension: number): WalEntry | null {
  if (body.byteLength < LENGTH_BYTES) return null;
  const jsonLength = body.readUInt32LE(0);
  if (LENGTH_BYTES + jsonLength > body.byteLength) return null;
  let parsed: z.infer<typeof HeaderSchema>;
  try {
    parsed = HeaderSchema.parse(JSON.parse(body.toString('utf8', LENGTH_BYTES, LENGTH_BYTES + jsonLength)));
  } catch {
    return null; // a frame whose hash matched but whose JSON does not parse is damage: stop here
  }
  if (parsed.op === 'delete') return parsed;
  const offset = LENGTH_BYTES + jsonLength;
  if (body.byteLength - offset !== parsed.records.length * dimension * 4) return null;
  const records = parsed.records.map((r, i) => {
    const vector = new Float32Array(dimension);
    const start = offset + i * dimension * 4;
    new Uint8Array(vector.buffer).set(body.subarray(start, start + dimension * 4));
    // Metadata was checked by validateRecords before it was logged, and the hash proves these are
    // the bytes written then.
    return { id: r.id, vector, metadata: r.m as Metadata, document: r.d };
  });
  return { op: 'upsert', records };
}
