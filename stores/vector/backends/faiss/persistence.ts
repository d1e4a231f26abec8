import { mkdir } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join, resolve } from 'node:path';
import { BackendError, type Logger } from '#core';
import { DirectoryLock } from '../../../directory-lock.js';
import type { CollectionSpec } from '../../types.js';
import type { IndexKind } from './faiss-binding.js';
import { FileArea, syncDirectory } from './file-area.js';
import { LabelMap, type LabelMapConfig } from './label-map.js';
import {
  type CollectionEntry,
  emptyManifest,
  entryFiles,
  type Manifest,
  readManifest,
  referencedFiles,
  removeStaleManifest,
  writeManifest,
} from './manifest.js';
import { SerialQueue } from './serial-queue.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import type { TimeSlicer } from './time-slicer.js';
import { type WalEntry, WriteAheadLog } from './write-ahead-log.js';

/**
 * The durable side of a FAISS store directory:
 *
 *   <directory>/LOCK            the owning process
 *   <directory>/manifest.json   which files make up each collection (replaced by rename only)
 *   <directory>/files/          immutable data files: snapshots (index + sidecar) and logs
 *
 * Every change to the set of files is committed by one manifest rename, and files are deleted
 * only after the manifest that stops naming them is in place. On open, a leftover temp manifest
 * and every file the manifest does not name are deleted: they are what a crash mid-write leaves.
 */
export class FaissPersistence {
  private readonly manifestQueue = new SerialQueue();

  private constructor(
    private readonly directory: string,
    private readonly lock: DirectoryLock,
    private readonly area: FileArea,
    private manifest: Manifest,
    private readonly fsync: boolean,
    private readonly logger: Logger,
  ) {}

  static async open(directory: string, fsync: boolean, logger: Logger): Promise<FaissPersistence> {
    if (endianness() !== 'LE') {
      throw new BackendError('faiss', 'persistent FAISS stores are little-endian only (their files are)');
    }
    const root = resolve(directory);
    await mkdir(root, { recursive: true });
    const lock = DirectoryLock.acquire(root, { what: 'the FAISS store', fileName: 'LOCK' });
    try {
      if (await removeStaleManifest(root))
        logger.warn({ directory: root }, 'removed an unfinished manifest write');
      const manifest = (await readManifest(root)) ?? emptyManifest();
      const { area, removed } = await FileArea.open(
        join(root, 'files'),
        manifest.nextFile,
        referencedFiles(manifest),
      );
      if (removed.length > 0) {
        logger.warn(
          { directory: root, files: removed },
          'removed files no manifest names (an interrupted write)',
        );
      }
      return new FaissPersistence(root, lock, area, manifest, fsync, logger);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** The collections the manifest lists. */
  entries(): [string, CollectionEntry][] {
    return Object.entries(this.manifest.collections);
  }

  /** Reads a collection's snapshot and opens its log; `replay` is what the log holds beyond it. */
  async load(
    name: string,
    entry: CollectionEntry,
    config: LabelMapConfig,
    slicer: TimeSlicer,
  ): Promise<{ map: LabelMap; wal: WriteAheadLog; replay: WalEntry[] }> {
    const map = entry.snapshot
      ? await readSnapshot(this.area, entry.snapshot, config, slicer)
      : new LabelMap(config);
    const { log, entries, discardedBytes } = await WriteAheadLog.open(
      this.area.resolve(entry.wal),
      config.dimension,
      this.fsync,
    );
    if (discardedBytes > 0) {
      this.logger.warn({ collection: name, discardedBytes }, 'cut a torn write off the end of the log');
    }
    return { map, wal: log, replay: entries };
  }

  /** Records a new, empty collection. */
  async create(spec: CollectionSpec, kind: IndexKind): Promise<WriteAheadLog> {
    const file = this.area.allocate('wal');
    const wal = await WriteAheadLog.create(this.area.resolve(file), spec.dimension, this.fsync);
    try {
      await this.area.syncDirectory();
      await this.commit((manifest) => {
        manifest.collections[spec.name] = {
          dimension: spec.dimension,
          metric: spec.metric,
          index: kind,
          snapshot: null,
          wal: file,
        };
      });
    } catch (error) {
      await wal.close();
      await this.area.remove([file]);
      throw error;
    }
    return wal;
  }

  async drop(name: string): Promise<void> {
    const entry = this.manifest.collections[name];
    if (!entry) return;
    const durable = await this.commit((manifest) => {
      delete manifest.collections[name];
    });
    if (durable) await this.area.remove(entryFiles(entry));
  }

  /** Bytes of the collection's current snapshot: the log may grow in proportion before compaction. */
  snapshotBytes(name: string): number {
    const snapshot = this.manifest.collections[name]?.snapshot;
    if (!snapshot) return 0;
    return [snapshot.records, snapshot.vectors, ...snapshot.shards].reduce((sum, ref) => sum + ref.bytes, 0);
  }

  /**
   * Writes a new snapshot of `map` with an empty log, commits both, then deletes the files the
   * previous state used. Returns the new log, which replaces `oldWal` (closed here). On failure
   * the previous state and `oldWal` stay in use.
   */
  async snapshot(
    name: string,
    map: LabelMap,
    oldWal: WriteAheadLog,
    slicer: TimeSlicer,
  ): Promise<WriteAheadLog> {
    const previous = this.manifest.collections[name];
    if (!previous) throw new BackendError('faiss', `collection '${name}' is not in the manifest`);
    const created: string[] = [];
    let wal: WriteAheadLog | null = null;
    let written: Awaited<ReturnType<typeof writeSnapshot>>;
    const next: CollectionEntry = { ...previous };
    let durable: boolean;
    try {
      written = await writeSnapshot(this.area, map, slicer);
      const { ref } = written;
      created.push(ref.records.file, ref.vectors.file);
      for (const shard of ref.shards)
        if (!entryFiles(previous).includes(shard.file)) created.push(shard.file);
      next.snapshot = ref;
      next.wal = this.area.allocate('wal');
      created.push(next.wal);
      wal = await WriteAheadLog.create(this.area.resolve(next.wal), map.config.dimension, this.fsync);
      await this.area.syncDirectory();
      durable = await this.commit((manifest) => {
        manifest.collections[name] = next;
      });
    } catch (error) {
      // Nothing names the new files: remove them now (a file a failed writeSnapshot left half
      // written is not listed here; the next open removes it).
      await wal?.close();
      await this.area.remove(created);
      throw error;
    }
    for (const [shard, ref] of written.shardFiles) shard.file = ref;
    await oldWal.close();
    if (durable) {
      const keep = new Set(entryFiles(next));
      await this.area.remove(entryFiles(previous).filter((file) => !keep.has(file)));
    }
    this.logger.debug({ collection: name, records: map.size }, 'snapshot written');
    return wal;
  }

  async close(): Promise<void> {
    await this.manifestQueue.idle();
    this.lock.release();
  }

  /**
   * Applies a change to a copy of the manifest and makes it the manifest on disk, in turn.
   * Throws only when the change did not happen. Resolves false when the rename happened but the
   * directory fsync failed: the change holds now but might not survive a power loss, so files
   * the old manifest named must stay (the next open deletes what the manifest then in place
   * does not name).
   */
  private commit(change: (manifest: Manifest) => void): Promise<boolean> {
    return this.manifestQueue.run(async () => {
      const next = structuredClone(this.manifest);
      change(next);
      next.nextFile = this.area.nextFile;
      await writeManifest(this.directory, next);
      this.manifest = next;
      try {
        await syncDirectory(this.directory);
        return true;
      } catch (error) {
        this.logger.error({ err: error, directory: this.directory }, 'could not fsync the store directory');
        return false;
      }
    });
  }
}
