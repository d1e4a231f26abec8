import { BackendError } from '#core';
import { normalize } from '../../score.js';
import type { Metadata, Metric } from '../../types.js';
import { createIndex, type FaissIndex, type HnswParams, type IndexKind } from './faiss-binding.js';
import type { FileRef } from './file-area.js';
import type { TimeSlicer } from './time-slicer.js';

/** One record as the backend keeps it: FAISS holds only the vector, the rest lives here. */
export interface StoredRecord {
  readonly id: string;
  /** The vector as given, in float32 (what FAISS stores); for cosine the index holds it normalized. */
  readonly vector: Float32Array;
  readonly metadata: Metadata;
  readonly document: string | null;
  /** Where the vector is in FAISS; null while the record is not placed. Moved by compaction. */
  shard: Shard | null;
  label: number;
}

export interface ShardConfig {
  kind: IndexKind;
  metric: Metric;
  dimension: number;
  /** Vectors per native add() call, which blocks the event loop for its whole duration. */
  batchSize: number;
  /** HNSW: rebuild when tombstones exceed this fraction of the labels. */
  tombstoneRatio: number;
  /** HNSW: efSearch for every index, efConstruction for new ones. */
  hnsw: HnswParams;
}

export interface ShardHit {
  record: StoredRecord;
  /** FAISS's own score: squared l2, or inner product. */
  raw: number;
}

export interface ShardSearch {
  hits: ShardHit[];
  /** True when every label of the shard was ranked (k ≥ size), so nothing was left out. */
  complete: boolean;
  /** The raw score of the last label FAISS returned (the worst it ranked); NaN when none. */
  lastRaw: number;
}

// Measured costs that choose between removeIds and a rebuild for a flat shard (see remove()):
// faiss's IDSelectorArray tests membership by a linear scan, so removeIds(m labels) compares
// m × size times and then shifts the codes; a rebuild re-adds the kept vectors through the addon's
// element-by-element copy (~175 ns per number).
const COMPARE_NS = 1;
const SHIFT_NS_PER_FLOAT = 0.7;
const ADD_NS_PER_FLOAT = 175;
/** Comparisons per removeIds call, so one call stays within a few milliseconds. */
const REMOVE_CALL_BUDGET = 4_000_000;

/**
 * One FAISS index and its label → record array. FAISS assigns labels 0..n−1 in insertion order
 * and has no add_with_ids, so the array is the only link from a label back to a string id:
 * every change to the index is mirrored on it in the same step.
 * - flat: removeIds compacts (later labels shift down, order kept), and the array is compacted
 *   the same way; or the shard is rebuilt from the kept records, which yields the same labels.
 * - hnsw: FAISS cannot remove, so a removed label becomes a tombstone (null) that searches skip;
 *   past `tombstoneRatio` the shard is rebuilt from its live records.
 */
export class Shard {
  /** label → record; null marks a tombstone (HNSW only). */
  private slots: (StoredRecord | null)[] = [];
  private dead = 0;
  /** The persisted file holding exactly this index, reused by the next snapshot; null once changed. */
  file: FileRef | null = null;

  private constructor(
    private readonly config: ShardConfig,
    private index: FaissIndex,
  ) {}

  static create(config: ShardConfig): Shard {
    return new Shard(config, createIndex(config.kind, config.metric, config.dimension, config.hnsw));
  }

  /** Wraps an index read from `file`; `slots[label]` is the record at each label (null = tombstone). */
  static fromDisk(
    config: ShardConfig,
    index: FaissIndex,
    slots: (StoredRecord | null)[],
    file: FileRef,
  ): Shard {
    if (index.ntotal() !== slots.length || index.getDimension() !== config.dimension) {
      throw new BackendError(
        'faiss',
        `${file.file} holds ${index.ntotal()} vectors of dimension ${index.getDimension()}; the records file expects ${slots.length} of dimension ${config.dimension}`,
      );
    }
    const shard = new Shard(config, index);
    shard.file = file;
    slots.forEach((record, label) => {
      if (record === null) {
        if (config.kind === 'flat')
          throw new BackendError('faiss', `${file.file}: label ${label} has no record`);
        shard.dead++;
      } else {
        record.shard = shard;
        record.label = label;
      }
    });
    shard.slots = slots;
    return shard;
  }

  /** Labels in the index, tombstones included. */
  get size(): number {
    return this.slots.length;
  }

  get tombstones(): number {
    return this.dead;
  }

  get faissIndex(): FaissIndex {
    return this.index;
  }

  /** Labels in order; for snapshots. */
  labels(): readonly (StoredRecord | null)[] {
    return this.slots;
  }

  /** Appends records at labels size..size+n−1, one native call per batch. */
  async append(records: readonly StoredRecord[], slicer: TimeSlicer): Promise<void> {
    if (records.length === 0) return;
    await this.addToIndex(this.index, records, slicer);
    for (const record of records) {
      record.shard = this;
      record.label = this.slots.length;
      this.slots.push(record);
    }
    this.file = null;
    this.checkInvariant();
  }

  /** Removes records placed in this shard. */
  async remove(records: readonly StoredRecord[], slicer: TimeSlicer): Promise<void> {
    if (records.length === 0) return;
    for (const record of records) {
      if (record.shard !== this || this.slots[record.label] !== record) {
        throw new BackendError('faiss', `label map out of step: '${record.id}' is not at its label`);
      }
      this.slots[record.label] = null;
      record.shard = null;
      this.dead++;
    }
    if (this.config.kind === 'hnsw') {
      // Tombstones only: the index is unchanged, so a persisted file stays valid (the records
      // file of the next snapshot simply no longer names these labels).
      if (this.dead > this.config.tombstoneRatio * this.slots.length) await this.rebuild(slicer);
      return;
    }
    const labels = records.map((r) => r.label);
    await this.removeFromFlat(labels, slicer);
  }

  /** Replaces the index by a fresh one holding the live records, in label order. */
  async rebuild(slicer: TimeSlicer): Promise<void> {
    const live = this.slots.filter((r): r is StoredRecord => r !== null);
    const fresh = createIndex(this.config.kind, this.config.metric, this.config.dimension, this.config.hnsw);
    await this.addToIndex(fresh, live, slicer);
    this.index = fresh;
    this.file = null;
    this.slots = live;
    this.dead = 0;
    live.forEach((record, label) => {
      record.label = label;
    });
    this.checkInvariant();
  }

  /** The `k` best labels for a query already prepared for the index (normalized for cosine). */
  search(query: number[], k: number): ShardSearch {
    const size = this.slots.length;
    if (size === 0) return { hits: [], complete: true, lastRaw: Number.NaN };
    const fetch = Math.min(Math.max(1, k), size);
    const { distances, labels } = this.index.search(query, fetch);
    const hits: ShardHit[] = [];
    let lastRaw = Number.NaN;
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i]!;
      if (label < 0) continue; // FAISS pads with −1 when it found fewer
      lastRaw = distances[i]!;
      const record = this.slots[label];
      if (record) hits.push({ record, raw: lastRaw });
    }
    return { hits, complete: fetch >= size, lastRaw };
  }

  /** The vector FAISS holds for a record. */
  prepare(vector: Float32Array): Float32Array {
    return this.config.metric === 'cosine' ? normalize(vector) : vector;
  }

  private async removeFromFlat(labels: number[], slicer: TimeSlicer): Promise<void> {
    const size = this.slots.length;
    const live = size - this.dead;
    const { dimension } = this.config;
    const perCall = Math.max(1, Math.floor(REMOVE_CALL_BUDGET / size));
    const removeCost =
      labels.length * size * COMPARE_NS +
      Math.ceil(labels.length / perCall) * size * dimension * SHIFT_NS_PER_FLOAT;
    if (live === 0 || removeCost > live * dimension * ADD_NS_PER_FLOAT) {
      await this.rebuild(slicer);
      return;
    }
    // Highest labels first: removing them shifts only labels above them, so the lower labels
    // still to remove keep their numbers between calls.
    labels.sort((a, b) => b - a);
    for (let start = 0; start < labels.length; start += perCall) {
      const chunk = labels.slice(start, start + perCall);
      const removed = this.index.removeIds(chunk);
      if (removed !== chunk.length) {
        throw new BackendError('faiss', `removeIds removed ${removed} of ${chunk.length} labels`);
      }
      await slicer.checkpoint();
    }
    // Mirror FAISS's compaction: survivors keep their order and close the gaps.
    let next = 0;
    for (const record of this.slots) {
      if (record === null) continue;
      record.label = next;
      this.slots[next++] = record;
    }
    this.slots.length = next;
    this.dead = 0;
    this.file = null;
    this.checkInvariant();
  }

  private async addToIndex(
    index: FaissIndex,
    records: readonly StoredRecord[],
    slicer: TimeSlicer,
  ): Promise<void> {
    const { dimension, batchSize } = this.config;
    for (let start = 0; start < records.length; start += batchSize) {
      const batch = records.slice(start, start + batchSize);
      const flat = new Array<number>(batch.length * dimension);
      batch.forEach((record, i) => {
        const vector = this.prepare(record.vector);
        for (let j = 0; j < dimension; j++) flat[i * dimension + j] = vector[j]!;
      });
      index.add(flat);
      await slicer.checkpoint();
    }
  }

  private checkInvariant(): void {
    const total = this.index.ntotal();
    if (total !== this.slots.length) {
      throw new BackendError(
        'faiss',
        `label map out of step: index holds ${total}, map ${this.slots.length}`,
      );
    }
  }
}
