import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BackendError } from '#core';
import { METRICS } from '../../types.js';
import { assertCollectionName } from '../../validate.js';
import { INDEX_KINDS } from './faiss-binding.js';
import { FILE_NAME, FileRefSchema } from './file-area.js';

/**
 * The manifest: the one file that says which data files make up each collection. It is the
 * commit point of every change to the set of files: written to `manifest.json.tmp`, fsynced,
 * renamed over `manifest.json`, and the directory fsynced. A crash before the rename leaves the
 * previous manifest, whose files are all still there (nothing is deleted until after the rename);
 * a crash after it leaves the new one, whose files were fsynced before it was written. So an
 * index and its sidecar are always read as the pair one manifest names.
 */

const SnapshotRefSchema = z.object({
  /** One JSON line per live record: id, shard, label, metadata, document. */
  records: FileRefSchema,
  /** The records' vectors as given, float32 little-endian, in the order of `records`. */
  vectors: FileRefSchema,
  /** One FAISS index file per shard, in shard order. */
  shards: z.array(FileRefSchema),
});
export type SnapshotRef = z.infer<typeof SnapshotRefSchema>;

const CollectionEntrySchema = z.object({
  dimension: z.number().int().positive(),
  metric: z.enum(METRICS),
  index: z.enum(INDEX_KINDS),
  /** null until the collection's first snapshot. */
  snapshot: SnapshotRefSchema.nullable(),
  /** The write-ahead log of changes made after `snapshot`. */
  wal: z.string().regex(FILE_NAME),
});
export type CollectionEntry = z.infer<typeof CollectionEntrySchema>;

export const ManifestSchema = z.object({
  format: z.literal('switchyard-faiss'),
  version: z.literal(1),
  nextFile: z.number().int().nonnegative(),
  collections: z.record(z.string(), CollectionEntrySchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const MANIFEST_FILE = 'manifest.json';

export function emptyManifest(): Manifest {
  return { format: 'switchyard-faiss', version: 1, nextFile: 0, collections: {} };
}

/** Every data file a manifest refers to. */
export function referencedFiles(manifest: Manifest): Set<string> {
  const files = new Set<string>();
  for (const entry of Object.values(manifest.collections)) {
    for (const file of entryFiles(entry)) files.add(file);
  }
  return files;
}

export function entryFiles(entry: CollectionEntry): string[] {
  const files = [entry.wal];
  if (entry.snapshot) {
    files.push(entry.snapshot.records.file, entry.snapshot.vectors.file);
    for (const shard of entry.snapshot.shards) files.push(shard.file);
  }
  return files;
}

/** Reads the manifest of `directory`; null when there is none yet (a new store). */
export async function readManifest(directory: string): Promise<Manifest | null> {
  const path = join(directory, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let manifest: Manifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(text));
    for (const name of Object.keys(manifest.collections)) assertCollectionName(name);
  } catch (error) {
    // The manifest is only ever replaced by rename, so a bad one is damage, not a torn write.
    throw new BackendError('faiss', `${path} is not a valid manifest: ${(error as Error).message}`, error);
  }
  return manifest;
}

/**
 * Replaces the manifest atomically: temp file, fsync, rename. The caller then fsyncs the
 * directory (syncDirectory) before deleting any file the old manifest named.
 */
export async function writeManifest(directory: string, manifest: Manifest): Promise<void> {
  const path = join(directory, MANIFEST_FILE);
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(manifest, null, 1)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

/** Removes a temp manifest left by a write that did not reach its rename. */
export async function removeStaleManifest(directory: string): Promise<boolean> {
  const temp = join(directory, `${MANIFEST_FILE}.tmp`);
  try {
    await rm(temp);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
