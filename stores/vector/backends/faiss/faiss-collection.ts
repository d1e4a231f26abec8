import type { FilterNode } from '../../filter/filter-ast.js';
import type { CollectionInfo, CollectionSpec, QueryMatch, QueryRequest } from '../../types.js';
import type { IndexKind } from './faiss-binding.js';
import { matchingRecords, type SearchSettings, searchCollection } from './faiss-search.js';
import type { LabelMap } from './label-map.js';
import { SerialQueue } from './serial-queue.js';
import type { StoredRecord } from './shard.js';
import type { TimeSlicer } from './time-slicer.js';
import type { WalEntry, WalRecord, WriteAheadLog } from './write-ahead-log.js';

/**
 * One collection's state: its label map (records + FAISS shards) and, when persistent, its log.
 * Each change is logged (fsynced) first and applied second, so what a reader sees after a write
 * resolved is also what a reopen replays. Callers run every method inside `queue`.
 */
export class FaissCollection {
  readonly queue = new SerialQueue();
  /** Set by a drop; tasks queued before it saw the collection, tasks after it get NotFoundError. */
  dropped = false;

  constructor(
    readonly spec: CollectionSpec,
    readonly kind: IndexKind,
    public map: LabelMap,
    public wal: WriteAheadLog | null,
  ) {}

  info(): CollectionInfo {
    return {
      name: this.spec.name,
      dimension: this.spec.dimension,
      metric: this.spec.metric,
      count: this.map.size,
    };
  }

  async upsert(records: WalRecord[], slicer: TimeSlicer): Promise<void> {
    await this.wal?.append({ op: 'upsert', records });
    await this.map.upsert(records.map(toStored), slicer);
  }

  /** Deletes the ids that exist; returns how many did. Nothing is logged when none did. */
  async deleteIds(ids: readonly string[], slicer: TimeSlicer): Promise<number> {
    const existing = [...new Set(ids)].filter((id) => this.map.get(id) !== undefined);
    if (existing.length === 0) return 0;
    await this.wal?.append({ op: 'delete', ids: existing });
    return this.map.delete(existing, slicer);
  }

  /** Deletes every record matching `filter` (logged as the ids it resolved to). */
  async deleteWhere(filter: FilterNode | null, slicer: TimeSlicer): Promise<number> {
    const matches = await matchingRecords(this.map.records(), filter, slicer);
    return this.deleteIds(
      matches.map((record) => record.id),
      slicer,
    );
  }

  async count(filter: FilterNode | null, slicer: TimeSlicer): Promise<number> {
    if (filter === null) return this.map.size;
    return (await matchingRecords(this.map.records(), filter, slicer)).length;
  }

  query(request: QueryRequest, filter: FilterNode | null, slicer: TimeSlicer): Promise<QueryMatch[]> {
    const settings: SearchSettings = { kind: this.kind, metric: this.spec.metric };
    return searchCollection(this.map, request, filter, settings, slicer);
  }

  /** Re-applies logged changes on top of the snapshot they followed, without logging them again. */
  async replay(entries: readonly WalEntry[], slicer: TimeSlicer): Promise<void> {
    for (const entry of entries) {
      if (entry.op === 'upsert') await this.map.upsert(entry.records.map(toStored), slicer);
      else await this.map.delete(entry.ids, slicer);
    }
  }
}

function toStored(record: WalRecord): StoredRecord {
  return { ...record, shard: null, label: -1 };
}
