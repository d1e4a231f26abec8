import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BackendError } from '#core';

export const FILE_NAME = /^\d{8,}\.[a-z0-9.]+$/;

/** A data file as the manifest names it: checked against size and SHA-256 before use. */
export const FileRefSchema = z.object({
  file: z.string().regex(FILE_NAME),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type FileRef = z.infer<typeof FileRefSchema>;

/**
 * The `files/` directory of a persistent store: immutable data files with unique names.
 *
 * A file is written completely and fsynced before any manifest names it, and never changed
 * afterwards, so it needs no temp-file dance of its own: until the manifest (renamed into place
 * last) refers to it, it is garbage, and garbage is deleted when the store opens. Each reference
 * carries the file's size and SHA-256, checked before the file is used.
 */
export class FileArea {
  private constructor(
    readonly path: string,
    private next: number,
  ) {}

  /** Opens the area, deleting every file `keep` does not name (leftovers of an interrupted write). */
  static async open(
    path: string,
    nextFile: number,
    keep: ReadonlySet<string>,
  ): Promise<{ area: FileArea; removed: string[] }> {
    await mkdir(path, { recursive: true });
    const removed: string[] = [];
    let next = nextFile;
    for (const name of await readdir(path)) {
      if (keep.has(name)) continue;
      await rm(join(path, name), { recursive: true, force: true });
      removed.push(name);
      const number = Number.parseInt(name, 10);
      if (Number.isInteger(number)) next = Math.max(next, number + 1);
    }
    for (const name of keep) {
      const number = Number.parseInt(name, 10);
      if (Number.isInteger(number)) next = Math.max(next, number + 1);
    }
    return { area: new FileArea(path, next), removed };
  }

  /** The first number not yet used; stored in the manifest. */
  get nextFile(): number {
    return this.next;
  }

  /** A fresh file name, e.g. `00000042.records.jsonl`. */
  allocate(suffix: string): string {
    return `${String(this.next++).padStart(8, '0')}.${suffix}`;
  }

  resolve(file: string): string {
    return join(this.path, file);
  }

  /** Writes a new file from chunks, fsyncs it, and returns its reference. */
  async write(suffix: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<FileRef> {
    const file = this.allocate(suffix);
    const handle = await open(this.resolve(file), 'wx');
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      for await (const chunk of chunks) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        await handle.write(chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { file, bytes, sha256: hash.digest('hex') };
  }

  /** Describes a file written by someone else (faiss's writer), after fsyncing it. */
  async adopt(file: string): Promise<FileRef> {
    const handle = await open(this.resolve(file), 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const { bytes, sha256 } = await digest(this.resolve(file));
    return { file, bytes, sha256 };
  }

  /** Reads a whole file after checking it against its reference. */
  async read(ref: FileRef): Promise<Buffer> {
    const data = await readFile(this.resolve(ref.file));
    const sha256 = createHash('sha256').update(data).digest('hex');
    this.check(ref, data.byteLength, sha256);
    return data;
  }

  /** Checks a file against its reference without keeping its contents. */
  async verify(ref: FileRef): Promise<void> {
    const { bytes, sha256 } = await digest(this.resolve(ref.file));
    this.check(ref, bytes, sha256);
  }

  async remove(files: Iterable<string>): Promise<void> {
    for (const file of files) await rm(this.resolve(file), { force: true });
  }

  /** Makes renames and creations in this directory durable. */
  async syncDirectory(): Promise<void> {
    await syncDirectory(this.path);
  }

  private check(ref: FileRef, bytes: number, sha256: string): void {
    if (bytes !== ref.bytes || sha256 !== ref.sha256) {
      throw new BackendError(
        'faiss',
        `${this.resolve(ref.file)} is damaged: ${bytes} bytes with SHA-256 ${sha256.slice(0, 12)}…, the manifest expects ${ref.bytes} bytes with ${ref.sha256.slice(0, 12)}…`,
      );
    }
  }
}

async function digest(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).byteLength;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** fsync on a directory: without it a rename or a new file may not survive a power loss. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
