import { Shard, type ShardConfig, type StoredRecord } from './shard.js';
import type { TimeSlicer } from './time-slicer.js';

export interface LabelMapConfig extends ShardConfig {
  /** Labels per shard: bounds how long one native search or removeIds call blocks. */
  shardSize: number;
}

/**
 * The stable map from string ids to FAISS labels of one collection.
 *
 * The collection's vectors are split over shards (each one FAISS index, see ./shard.ts); a
 * record's place is `(shard, label)`, held on the record and in its shard's label array, and
 * both are updated in the same synchronous step whenever FAISS moves labels. A record that is
 * re-upserted is first removed from its old place, then appended: a label never answers for an
 * id it no longer holds. Callers serialize access (one SerialQueue per collection).
 */
export class LabelMap {
  private readonly byId = new Map<string, StoredRecord>();
  private shards: Shard[] = [];

  constructor(readonly config: LabelMapConfig) {}

  /** Rebuilds the map from shards read back from a snapshot (their records already placed). */
  static restore(config: LabelMapConfig, shards: Shard[], records: Iterable<StoredRecord>): LabelMap {
    const map = new LabelMap(config);
    map.shards = shards.filter((shard) => shard.size > 0);
    for (const record of records) map.byId.set(record.id, record);
    return map;
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): StoredRecord | undefined {
    return this.byId.get(id);
  }

  records(): IterableIterator<StoredRecord> {
    return this.byId.values();
  }

  shardList(): readonly Shard[] {
    return this.shards;
  }

  /** Tombstoned labels over all shards (HNSW). */
  get tombstones(): number {
    return this.shards.reduce((sum, shard) => sum + shard.tombstones, 0);
  }

  /** Inserts records, replacing any with the same id. Ids within `records` are unique. */
  async upsert(records: readonly StoredRecord[], slicer: TimeSlicer): Promise<void> {
    const replaced: StoredRecord[] = [];
    for (const record of records) {
      const old = this.byId.get(record.id);
      if (old) replaced.push(old);
    }
    await this.detach(replaced, slicer);
    for (const record of records) this.byId.set(record.id, record);
    await this.place(records, slicer);
  }

  /** Deletes the given ids; returns how many existed. */
  async delete(ids: readonly string[], slicer: TimeSlicer): Promise<number> {
    const found: StoredRecord[] = [];
    for (const id of new Set(ids)) {
      const record = this.byId.get(id);
      if (record) found.push(record);
    }
    await this.detach(found, slicer);
    for (const record of found) this.byId.delete(record.id);
    return found.length;
  }

  private async detach(records: readonly StoredRecord[], slicer: TimeSlicer): Promise<void> {
    if (records.length === 0) return;
    const byShard = new Map<Shard, StoredRecord[]>();
    for (const record of records) {
      if (!record.shard) continue;
      const group = byShard.get(record.shard);
      if (group) group.push(record);
      else byShard.set(record.shard, [record]);
    }
    for (const [shard, group] of byShard) await shard.remove(group, slicer);
    this.shards = this.shards.filter((shard) => shard.size > 0);
  }

  private async place(records: readonly StoredRecord[], slicer: TimeSlicer): Promise<void> {
    const { shardSize } = this.config;
    let offset = 0;
    while (offset < records.length) {
      let last = this.shards.at(-1);
      if (!last || last.size >= shardSize) {
        last = Shard.create(this.config);
        this.shards.push(last);
      }
      const take = Math.min(shardSize - last.size, records.length - offset);
      await last.append(records.slice(offset, offset + take), slicer);
      offset += take;
    }
  }
}
