import { ValidationError, type Logger, silentLogger } from '#core';
import type { CollectionSpec } from '../../types.js';
import { INDEX_KINDS, type IndexKind } from './faiss-binding.js';
import type { LabelMapConfig } from './label-map.js';

export interface FaissVectorStoreOptions {
  /** Directory for the store's files (created if missing); omitted: in memory, nothing persisted. */
  directory?: string;
  /**
   * Index of new collections: 'flat' is exact; 'hnsw' is HNSW32 (approximate, faster on large
   * collections). Collections read from `directory` keep the kind they were created with.
   * @defaultValue 'flat'
   */
  index?: IndexKind;
  /**
   * HNSW: candidates explored per search (recall against speed). Applies to every index, including
   * ones read from `directory`. 64 gives recall@10 ≈ 0.99 on 20k × 384 clustered vectors.
   * @defaultValue 64
   */
  efSearch?: number;
  /**
   * HNSW: candidates explored per insert (graph quality against build speed), for indexes built
   * from now on. @defaultValue 40 (faiss's default)
   */
  efConstruction?: number;
  /** Records per write step of an upsert: one log frame, one pass over the label map. @defaultValue 1000 */
  batchSize?: number;
  /**
   * Labels per shard. One native search or removeIds call scans one shard and blocks the event
   * loop meanwhile, so this bounds the longest block.
   * @defaultValue flat: ⌊2^24 / dimension⌋ clamped to [1024, 131 072] (≈ 64 MiB of vectors, ~10 ms
   * per scan here); hnsw: 131 072
   */
  shardSize?: number;
  /** HNSW: a shard is rebuilt without its tombstones past this fraction of its labels. @defaultValue 0.2 */
  tombstoneRatio?: number;
  /** Longest stretch of JS work (filtering, exact scans) between yields to the event loop, in ms. @defaultValue 10 */
  sliceMs?: number;
  /**
   * A collection's log is folded into a new snapshot once it passes this many bytes and the size
   * of the current snapshot (so compaction work stays proportional to the writes).
   * @defaultValue 64 MiB
   */
  walCompactionBytes?: number;
  /** fsync every log append before acknowledging the write. @defaultValue true */
  fsync?: boolean;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

export type FaissSettings = Required<Omit<FaissVectorStoreOptions, 'directory' | 'shardSize'>> &
  Pick<FaissVectorStoreOptions, 'directory' | 'shardSize'>;

export const FAISS_DEFAULTS = {
  index: 'flat',
  efSearch: 64,
  efConstruction: 40,
  batchSize: 1000,
  tombstoneRatio: 0.2,
  sliceMs: 10,
  walCompactionBytes: 64 * 1024 * 1024,
  fsync: true,
  logger: silentLogger,
} as const;

/**
 * Vectors per native add() call: the addon copies ~175 ns per number here, and an HNSW insert
 * costs ~0.5 ms at dimension 128, so these keep one call near 10 ms.
 */
function addChunk(kind: IndexKind, dimension: number): number {
  return Math.max(1, Math.floor((kind === 'flat' ? 65_536 : 4_096) / dimension));
}

function defaultShardSize(kind: IndexKind, dimension: number): number {
  if (kind === 'hnsw') return 131_072;
  return Math.min(131_072, Math.max(1024, Math.floor(2 ** 24 / dimension)));
}

/** The label map settings of one collection. */
export function labelMapConfig(
  settings: FaissSettings,
  spec: CollectionSpec,
  kind: IndexKind,
): LabelMapConfig {
  return {
    kind,
    metric: spec.metric,
    dimension: spec.dimension,
    batchSize: addChunk(kind, spec.dimension),
    shardSize: settings.shardSize ?? defaultShardSize(kind, spec.dimension),
    tombstoneRatio: settings.tombstoneRatio,
    hnsw: { efSearch: settings.efSearch, efConstruction: settings.efConstruction },
  };
}

/** Defaults first, then the caller's options, each checked with a message naming it. */
export function resolveSettings(options: FaissVectorStoreOptions): FaissSettings {
  const settings: FaissSettings = { ...FAISS_DEFAULTS, ...options };
  const fail = (field: string, expected: string): never => {
    throw new ValidationError(
      `FaissVectorStore option ${field} is ${JSON.stringify((settings as Record<string, unknown>)[field])}; expected ${expected}`,
      { field },
    );
  };
  const isInt = (value: unknown, min: number) => Number.isInteger(value) && (value as number) >= min;
  if (!INDEX_KINDS.includes(settings.index)) fail('index', `one of ${INDEX_KINDS.join(', ')}`);
  if (!isInt(settings.efSearch, 1)) fail('efSearch', 'an integer ≥ 1');
  if (!isInt(settings.efConstruction, 1)) fail('efConstruction', 'an integer ≥ 1');
  if (!isInt(settings.batchSize, 1)) fail('batchSize', 'an integer ≥ 1');
  if (settings.shardSize !== undefined && !isInt(settings.shardSize, 1)) fail('shardSize', 'an integer ≥ 1');
  if (!(settings.tombstoneRatio > 0 && settings.tombstoneRatio <= 1))
    fail('tombstoneRatio', 'a number in (0, 1]');
  if (!(settings.sliceMs > 0)) fail('sliceMs', 'a positive number of milliseconds');
  if (!isInt(settings.walCompactionBytes, 0)) fail('walCompactionBytes', 'an integer ≥ 0');
  if (
    settings.directory !== undefined &&
    (typeof settings.directory !== 'string' || settings.directory === '')
  ) {
    fail('directory', 'a non-empty path');
  }
  return settings;
}
