import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '../../runtime/errors.js';

/**
 * An exclusive lock on an embedded database's data directory. PGlite is one process's database:
 * a second process opening the same directory would corrupt it, so the second one is refused with
 * a message naming the holder. A lock left by a process that died is taken over.
 */
export class DataDirLock {
  /** Lock files this process holds: a second open in the same process is refused too. */
  private static readonly held = new Set<string>();

  private constructor(private readonly path: string) {}

  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'switchyard.lock');
    if (DataDirLock.held.has(path)) {
      throw new ConflictError(`the embedded database in ${dataDir} is already open in this process`, {
        dataDir,
      });
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        DataDirLock.held.add(path);
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
        if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
          throw new ConflictError(
            `the embedded database in ${dataDir} is in use by process ${holder}; stop it, or set DATABASE_URL to share a PostgreSQL server between processes`,
            { dataDir, holder },
          );
        }
        // Stale: its holder is gone (a pid equal to ours is a previous process that had our pid).
        rmSync(path, { force: true });
      }
    }
    throw new ConflictError(`could not lock ${dataDir}`, { dataDir });
  }

  release(): void {
    DataDirLock.held.delete(this.path);
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
