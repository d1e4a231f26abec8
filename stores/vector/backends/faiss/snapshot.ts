import { z } from 'zod';
import { BackendError } from '#core';
import type { Metadata } from '../../types.js';
import { readIndex } from './faiss-binding.js';
import type { FileArea, FileRef } from './file-area.js';
import { flatIndexFile } from './flat-index-file.js';
import { LabelMap, type LabelMapConfig } from './label-map.js';
import type { SnapshotRef } from './manifest.js';
import { Shard, type StoredRecord } from './shard.js';
import type { TimeSlicer } from './time-slicer.js';

/**
 * A collection's snapshot: its FAISS shards and, beside them, the sidecar FAISS cannot hold.
 * - `records` (JSON lines): id, shard, label, metadata, document of every live record; a label of
 *   an HNSW shard that no line names is a tombstone.
 * - `vectors` (float32): the records' vectors as given (for cosine the index holds them normalized,
 *   and includeVectors returns them as given), in the order of `records`.
 * - one index file per shard: flat ones in FAISS's IndexFlat format written here, HNSW ones by
 *   faiss. A shard whose index did not change since the last snapshot keeps its file.
 * The three are written as new files and become the collection's state together, when the
 * manifest that names them is renamed into place.
 */

const RecordLineSchema = z.object({
  id: z.string().min(1),
  s: z.number().int().nonnegative(),
  l: z.number().int().nonnegative(),
  m: z.record(z.string(), z.unknown()),
  d: z.string().nullable(),
});

const CHUNK_BYTES = 1 << 20;

export interface SnapshotWrite {
  ref: SnapshotRef;
  /** The file now holding each shard; assign to `shard.file` once the manifest is committed. */
  shardFiles: Map<Shard, FileRef>;
}

export async function writeSnapshot(
  area: FileArea,
  map: LabelMap,
  slicer: TimeSlicer,
): Promise<SnapshotWrite> {
  const shards = map.shardList();
  const { dimension, metric, kind } = map.config;
  const shardFiles = new Map<Shard, FileRef>();
  const refs: FileRef[] = [];
  for (const shard of shards) {
    let ref = shard.file;
    if (!ref && kind === 'flat') {
      const labels = shard.labels();
      const vectors = labels.map((record) => {
        if (!record) throw new BackendError('faiss', 'a flat shard holds a tombstone');
        return shard.prepare(record.vector);
      });
      ref = await area.write('flat.faiss', flatIndexFile(metric, dimension, labels.length, vectors));
    } else if (!ref) {
      const file = area.allocate('hnsw.faiss');
      shard.faissIndex.write(area.resolve(file));
      ref = await area.adopt(file);
    }
    shardFiles.set(shard, ref);
    refs.push(ref);
    await slicer.checkpoint();
  }

  const ordered: StoredRecord[] = [];
  shards.forEach((shard) => {
    for (const record of shard.labels()) if (record) ordered.push(record);
  });
  const records = await area.write('records.jsonl', recordLines(ordered, shards, slicer));
  const vectors = await area.write('vectors.f32', vectorChunks(ordered, dimension, slicer));
  return { ref: { records, vectors, shards: refs }, shardFiles };
}

export async function readSnapshot(
  area: FileArea,
  ref: SnapshotRef,
  config: LabelMapConfig,
  slicer: TimeSlicer,
): Promise<LabelMap> {
  const lines = await area.read(ref.records);
  const vectorBytes = await area.read(ref.vectors);
  const { dimension } = config;
  const records: { record: StoredRecord; shard: number; label: number }[] = [];
  let start = 0;
  while (start < lines.byteLength) {
    let end = lines.indexOf(10, start);
    if (end < 0) end = lines.byteLength;
    const line = parseLine(lines.toString('utf8', start, end), ref.records.file);
    const at = records.length * dimension * 4;
    if (at + dimension * 4 > vectorBytes.byteLength) break;
    const vector = new Float32Array(dimension);
    new Uint8Array(vector.buffer).set(vectorBytes.subarray(at, at + dimension * 4));
    const record: StoredRecord = {
      id: line.id,
      vector,
      // Checked by validateRecords when written; the file's hash proves it is those bytes.
      metadata: line.m as Metadata,
      document: line.d,
      shard: null,
      label: -1,
    };
    records.push({ record, shard: line.s, label: line.l });
    start = end + 1;
    if (records.length % 1024 === 0) await slicer.checkpoint();
  }
  if (records.length * dimension * 4 !== vectorBytes.byteLength) {
    throw new BackendError(
      'faiss',
      `${ref.vectors.file} does not hold one vector per line of ${ref.records.file}`,
    );
  }

  const slots: (StoredRecord | null)[][] = [];
  const indexes = [];
  for (const shardRef of ref.shards) {
    await area.verify(shardRef);
    const index = readIndex(area.resolve(shardRef.file), config.kind, config.hnsw);
    indexes.push(index);
    slots.push(new Array<StoredRecord | null>(index.ntotal()).fill(null));
  }
  const seen = new Set<string>();
  for (const { record, shard, label } of records) {
    const labels = slots[shard];
    if (!labels || label >= labels.length || labels[label] !== null || seen.has(record.id)) {
      throw new BackendError('faiss', `${ref.records.file}: '${record.id}' has an invalid or taken place`);
    }
    labels[label] = record;
    seen.add(record.id);
  }
  const shards = indexes.map((index, i) => Shard.fromDisk(config, index, slots[i]!, ref.shards[i]!));
  return LabelMap.restore(
    config,
    shards,
    records.map((r) => r.record),
  );
}

function parseLine(text: string, file: string): z.infer<typeof RecordLineSchema> {
  try {
    return RecordLineSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new BackendError(
      'faiss',
      `${file} holds a line that is not a record: ${(error as Error).message}`,
      error,
    );
  }
}

async function* recordLines(
  records: readonly StoredRecord[],
  shards: readonly Shard[],
  slicer: TimeSlicer,
): AsyncGenerator<Uint8Array> {
  const shardNumber = new Map(shards.map((shard, i) => [shard, i]));
  let pending: string[] = [];
  let pendingBytes = 0;
  for (const record of records) {
    const line = `${JSON.stringify({ id: record.id, s: shardNumber.get(record.shard!), l: record.label, m: record.metadata, d: record.document })}\n`;
    pending.push(line);
    pendingBytes += line.length;
    if (pendingBytes >= CHUNK_BYTES) {
      yield Buffer.from(pending.join(''), 'utf8');
      pending = [];
      pendingBytes = 0;
      await slicer.checkpoint();
    }
  }
  if (pending.length > 0) yield Buffer.from(pending.join(''), 'utf8');
}

async function* vectorChunks(
  records: readonly StoredRecord[],
  dimension: number,
  slicer: TimeSlicer,
): AsyncGenerator<Uint8Array> {
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / (4 * dimension)));
  for (let start = 0; start < records.length; start += perChunk) {
    const batch = records.slice(start, start + perChunk);
    const chunk = new Float32Array(batch.length * dimension);
    batch.forEach((record, i) => {
      chunk.set(record.vector, i * dimension);
    });
    yield new Uint8Array(chunk.buffer);
    await slicer.checkpoint();
  }
}
