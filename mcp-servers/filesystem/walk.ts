import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SwitchyardError } from '#core';
import { fsError, type PathGuard } from './path-guard.js';
import { assertStillReal } from './safe-fs.js';
import type { EntryType } from './schemas.js';

export interface WalkEntry {
  /** Path relative to the walk's start, with `/` separators. */
  relative: string;
  name: string;
  type: EntryType;
  depth: number;
}

export interface WalkOptions {
  guard: PathGuard;
  /** Real path of the directory to walk (already checked by the guard). */
  start: string;
  shown: string;
  maxDepth: number;
  maxEntries: number;
  signal: AbortSignal;
  /** A directory for which this returns true is neither yielded nor entered. */
  exclude?: (relative: string, name: string) => boolean;
}

export class CancelledError extends SwitchyardError {
  constructor() {
    super('cancelled', 'the operation was cancelled');
  }
}

export function entryTypeOf(entry: Pick<Dirent, 'isFile' | 'isDirectory' | 'isSymbolicLink'>): EntryType {
  if (entry.isSymbolicLink()) return 'symlink';
  if (entry.isDirectory()) return 'directory';
  return entry.isFile() ? 'file' : 'other';
}

/**
 * Walks a directory depth-first, in name order. Security: symlinks are yielded as `symlink` and
 * never entered, so a walk cannot leave the roots; each directory is re-checked right before it
 * is read, so one swapped for a link during the walk is refused. Stops after `maxEntries`
 * (`truncated`) and throws {@link CancelledError} when the signal aborts.
 */
export async function* walk(options: WalkOptions): AsyncGenerator<WalkEntry, { truncated: boolean }> {
  let count = 0;
  const stack: Array<{ real: string; relative: string; depth: number }> = [
    { real: options.start, relative: '', depth: 0 },
  ];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    if (options.signal.aborted) throw new CancelledError();
    await assertStillReal(options.guard, dir.real, options.shown);
    const entries = (
      await readdir(dir.real, { withFileTypes: true }).catch((error: unknown) => {
        throw fsError(error, options.shown);
      })
    ).sort((a, b) => a.name.localeCompare(b.name));
    const subdirs: Array<{ real: string; relative: string; depth: number }> = [];
    for (const entry of entries) {
      const relative = dir.relative === '' ? entry.name : `${dir.relative}/${entry.name}`;
      const type = entryTypeOf(entry);
      if (options.exclude?.(relative, entry.name)) continue;
      if (count >= options.maxEntries) return { truncated: true };
      count += 1;
      yield { relative, name: entry.name, type, depth: dir.depth + 1 };
      if (type === 'directory' && dir.depth + 1 < options.maxDepth)
        subdirs.push({ real: join(dir.real, entry.name), relative, depth: dir.depth + 1 });
    }
    // Reversed so the stack pops them in name order.
    stack.push(...subdirs.reverse());
  }
  return { truncated: false };
}
