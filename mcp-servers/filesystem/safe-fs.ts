import { constants } from 'node:fs';
import { type FileHandle, lstat, open, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ValidationError } from '#core';
import { AccessDeniedError, errnoOf, fsError, type PathGuard } from './path-guard.js';

/** Default limit on bytes read or written by one call: 10 MiB. */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Opens a checked real path for reading and proves the opened file is the checked one.
 * Security: O_NOFOLLOW refuses a symlink swapped in at the last component after the check;
 * O_NONBLOCK keeps a FIFO from hanging the open; then the descriptor's own location
 * (/proc/self/fd on Linux) must still be inside the roots, which catches a directory higher up
 * swapped for a link between check and open. Elsewhere, fstat must match a fresh stat of the path.
 */
export async function openVerified(guard: PathGuard, real: string, shown: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw fsError(error, shown);
  }
  try {
    await verifyHandle(guard, handle, real, shown);
    const info = await handle.stat();
    if (!info.isFile()) throw new ValidationError(`'${shown}' is not a regular file`, { path: shown });
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function verifyHandle(
  guard: PathGuard,
  handle: FileHandle,
  real: string,
  shown: string,
): Promise<void> {
  if (process.platform === 'linux') {
    const actual = await readlink(`/proc/self/fd/${handle.fd}`);
    if (actual !== real || !guard.allows(actual))
      throw new AccessDeniedError(shown, 'changed between the check and the open (symlink swapped in)');
    return;
  }
  const [opened, now] = await Promise.all([handle.stat(), stat(real)]);
  if (opened.dev !== now.dev || opened.ino !== now.ino)
    throw new AccessDeniedError(shown, 'changed between the check and the open (symlink swapped in)');
}

/** Reads a whole file, refusing one larger than `maxBytes` with a message saying how to read less. */
export async function readLimited(
  guard: PathGuard,
  real: string,
  shown: string,
  maxBytes: number,
): Promise<Buffer> {
  const handle = await openVerified(guard, real, shown);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw tooLarge(shown, size, maxBytes, 'read');
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Reads at most `maxBytes` from the start or the end of a file (for head / tail of large files). */
export async function readWindow(
  guard: PathGuard,
  real: string,
  shown: string,
  maxBytes: number,
  from: 'start' | 'end',
): Promise<{ data: Buffer; truncated: boolean }> {
  const handle = await openVerified(guard, real, shown);
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, from === 'start' ? 0 : size - length);
    return { data: buffer.subarray(0, bytesRead), truncated: length < size };
  } finally {
    await handle.close();
  }
}

export function tooLarge(
  shown: string,
  size: number,
  maxBytes: number,
  verb: 'read' | 'write',
): ValidationError {
  const hint = verb === 'read' ? '; read part of it with head or tail' : '; write it in smaller files';
  return new ValidationError(
    `'${shown}' is ${size} bytes, more than the ${maxBytes}-byte limit for one ${verb}${hint}`,
    { path: shown, size, maxBytes },
  );
}

/**
 * Checks that the directory `realDir` still is where the guard saw it: no component of it was
 * swapped for a symlink since the check. Called right before an operation by path (rename, mkdir).
 */
export async function assertStillReal(guard: PathGuard, realDir: string, shown: string): Promise<void> {
  let now: string;
  try {
    now = await realpath(realDir);
  } catch (error) {
    throw fsError(error, shown);
  }
  if (now !== realDir || !guard.allows(now))
    throw new AccessDeniedError(shown, 'changed while being used (a directory was replaced by a symlink)');
}

/**
 * Writes `data` to the checked real path atomically: a new temporary file in the same directory,
 * fsync, then rename over the destination. Security: the temporary file is created with
 * O_EXCL | O_NOFOLLOW, so it is always a new file of ours; rename replaces a symlink at the
 * destination instead of writing through it; the directory is re-checked right before the rename.
 * Linux offers no openat2(RESOLVE_BENEATH) from Node, so a directory swapped in the microseconds
 * between that re-check and the rename remains a residual race.
 */
export async function atomicWrite(
  guard: PathGuard,
  real: string,
  shown: string,
  data: string,
  maxBytes: number,
): Promise<number> {
  const bytes = Buffer.byteLength(data, 'utf8');
  if (bytes > maxBytes) throw tooLarge(shown, bytes, maxBytes, 'write');
  const dir = dirname(real);
  await assertStillReal(guard, dir, shown);
  const temp = join(dir, `.${basename(real)}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = await existingMode(real, shown);
  let handle: FileHandle;
  try {
    handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode ?? 0o644,
    );
  } catch (error) {
    throw fsError(error, shown);
  }
  try {
    try {
      await verifyHandle(guard, handle, temp, shown);
      await handle.writeFile(data, 'utf8');
      // The umask applied at creation; a replaced file's permissions are kept exactly.
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await assertStillReal(guard, dir, shown);
    await rename(temp, real);
    return bytes;
  } catch (error) {
    await removeQuietly(temp);
    throw fsError(error, shown);
  }
}

/** The permission bits of the regular file being replaced (lstat: a link is not followed). */
async function existingMode(path: string, shown: string): Promise<number | undefined> {
  try {
    const info = await lstat(path);
    return info.isFile() ? info.mode & 0o7777 : undefined;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw fsError(error, shown);
  }
}

/** Removes our own temporary file after a failure; a missing file is already the wanted state. */
async function removeQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
  }
}
