import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '#core';

export interface DirectoryLockOptions {
  /** What lives in the directory, for messages ("the embedded database"). */
  what: string;
  /** The lock file's name inside the directory. @defaultValue 'switchyard.lock' */
  fileName?: string;
  /** Appended to the "in use" message: what the user can do instead. */
  hint?: string;
}

/**
 * An exclusive lock on a data directory that one process must own: embedded PGlite, a FAISS store.
 * A second opener, in another process or this one, is refused with a message naming the holder.
 * A lock left by a process that died is taken over.
 */
export class DirectoryLock {
  /** Lock files this process holds: a second open in the same process is refused too. */
  private static readonly held = new Set<string>();

  private constructor(private readonly path: string) {}

  static acquire(directory: string, options: DirectoryLockOptions): DirectoryLock {
    const { what, fileName = 'switchyard.lock', hint } = options;
    mkdirSync(directory, { recursive: true });
    const path = join(directory, fileName);
    if (DirectoryLock.held.has(path)) {
      throw new ConflictError(`${what} in ${directory} is already open in this process`, { directory });
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        DirectoryLock.held.add(path);
        return new DirectoryLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
        if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
          throw new ConflictError(
            `${what} in ${directory} is in use by process ${holder}${hint ? `; ${hint}` : ''}`,
            {
              directory,
              holder,
            },
          );
        }
        // Stale: its holder is gone, or it carries our pid but no opener of this process holds it
        // (a previous process that had our pid, or a copied directory).
        rmSync(path, { force: true });
      }
    }
    throw new ConflictError(`could not lock ${directory}`, { directory });
  }

  release(): void {
    DirectoryLock.held.delete(this.path);
    rmSync(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
