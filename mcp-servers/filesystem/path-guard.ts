import { realpathSync, statSync } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError, SwitchyardError, ValidationError } from '#core';

/** Longer inputs are refused before any filesystem call (Linux's PATH_MAX is 4096). */
export const MAX_PATH_LENGTH = 4096;

/** A path outside every allowed root, or one that could only be reached by leaving them. */
export class AccessDeniedError extends SwitchyardError {
  constructor(path: string, reason: string) {
    super('access_denied', `access denied: '${path}' ${reason}`, { details: { path } });
  }
}

/**
 * How the last path component is treated:
 * - `existing`: it must exist; symlinks are resolved all the way (reads, listings).
 * - `create`: it may not exist yet; when it does, it is resolved like `existing` (writes, mkdir).
 * - `entry`: the last component is the directory entry itself, never followed (move source and
 *   destination: a symlink is moved as a link, not the file it points to).
 */
export type ResolveMode = 'existing' | 'create' | 'entry';

export interface ResolvedPath {
  /** The absolute path as the caller asked for it (lexically normalised). */
  requested: string;
  /** The path with every symlink resolved (for `entry`, every one but the last component). */
  real: string;
}

/**
 * True when `child` is `parent` or lies below it. Security: compares path segments through
 * `relative`, so `/data-evil` is not inside `/data` (a string prefix check would say it is).
 */
export function isWithin(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * Resolves configured roots once at startup: each must be an existing directory; symlinks in a
 * root's own path are resolved, because later checks compare real paths with real paths.
 */
export function resolveConfiguredRoots(roots: readonly string[]): string[] {
  const resolved: string[] = [];
  for (const root of roots) {
    if (root.includes('\0'))
      throw new ConfigError(`filesystem root contains a NUL byte: ${JSON.stringify(root)}`);
    let real: string;
    try {
      real = realpathSync(resolve(root));
    } catch (error) {
      throw new ConfigError(`filesystem root '${root}' does not exist or cannot be read`, { root }, error);
    }
    if (!statSync(real).isDirectory())
      throw new ConfigError(`filesystem root '${root}' is not a directory`, { root });
    if (!resolved.includes(real)) resolved.push(real);
  }
  return resolved;
}

/**
 * The path policy of the filesystem server: every path a tool touches goes through `resolve`,
 * which refuses anything whose real location is outside the allowed roots. The roots are real
 * paths (see {@link resolveConfiguredRoots}); `setRoots` swaps them atomically when the client's
 * MCP roots change.
 */
export class PathGuard {
  private allowed: readonly string[];

  constructor(roots: readonly string[]) {
    this.allowed = [...roots];
  }

  roots(): readonly string[] {
    return this.allowed;
  }

  setRoots(roots: readonly string[]): void {
    this.allowed = [...roots];
  }

  /** True when the real path `real` lies inside an allowed root. */
  allows(real: string): boolean {
    return this.allowed.some((root) => isWithin(real, root));
  }

  /** Throws {@link AccessDeniedError} unless `real` is inside an allowed root. */
  assertAllowed(real: string, shown: string = real): void {
    if (!this.allows(real)) throw new AccessDeniedError(shown, 'is outside the allowed directories');
  }

  async resolve(input: string, mode: ResolveMode): Promise<ResolvedPath> {
    const requested = this.normalise(input);
    // Lexical check first: a path that names a place outside the roots is refused without any
    // filesystem call, so not even its existence leaks.
    this.assertAllowed(requested, input);
    if (mode === 'entry') {
      const parent = await this.realExisting(dirname(requested), input);
      const real = join(parent, basename(requested));
      this.assertAllowed(real, input);
      return { requested, real };
    }
    const real = await this.realOrNearestParent(requested, input, mode === 'existing');
    // Security: the check runs on the real path, or a symlink inside a root would escape it.
    this.assertAllowed(real, input);
    return { requested, real };
  }

  /**
   * Validates and absolutises an input path. Relative paths are taken from the first root.
   * Security: NUL bytes are refused (the OS would truncate there); nothing is URL-decoded, so
   * `%2e%2e` is a file name, never `..`; `\` is an ordinary character on POSIX.
   */
  private normalise(input: string): string {
    if (input.length === 0)
      throw new ValidationError('path is empty: give a path inside an allowed directory');
    if (input.includes('\0'))
      throw new ValidationError('path contains a NUL byte, which no file name can contain');
    if (input.length > MAX_PATH_LENGTH)
      throw new ValidationError(`path is longer than ${MAX_PATH_LENGTH} characters`, {
        length: input.length,
      });
    const [first] = this.allowed;
    if (first === undefined)
      throw new AccessDeniedError(
        input,
        'cannot be used: no directory is allowed (no roots configured or offered)',
      );
    return resolve(first, input);
  }

  private async realExisting(path: string, shown: string): Promise<string> {
    try {
      return await realpath(path);
    } catch (error) {
      throw fsError(error, shown);
    }
  }

  /**
   * The real path of `path`, or, when it does not exist yet, the real path of its nearest existing
   * ancestor joined with the missing components. Security: the missing components come from a
   * normalised path, so they hold no `..` and no link can redirect them (none exists yet).
   */
  private async realOrNearestParent(path: string, shown: string, mustExist: boolean): Promise<string> {
    const missing: string[] = [];
    let current = path;
    for (;;) {
      try {
        const real = await realpath(current);
        return missing.length === 0 ? real : join(real, ...missing.reverse());
      } catch (error) {
        if (mustExist || errnoOf(error) !== 'ENOENT') throw fsError(error, shown);
        // Security: an entry that exists but has no real path is a dangling symlink; creating
        // through it would create its target, wherever that is.
        if (await entryExists(current))
          throw new AccessDeniedError(shown, 'goes through a symbolic link whose target does not exist');
        const parent = dirname(current);
        if (parent === current) throw fsError(error, shown);
        missing.push(basename(current));
        current = parent;
      }
    }
  }
}

async function entryExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
}

export function errnoOf(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** A filesystem error as a {@link SwitchyardError} naming the path the caller gave, not our real path. */
export function fsError(error: unknown, shown: string): SwitchyardError {
  if (error instanceof SwitchyardError) return error;
  const code = errnoOf(error);
  const what: Record<string, string> = {
    ENOENT: 'does not exist',
    ENOTDIR: 'has a component that is not a directory',
    EEXIST: 'already exists',
    EISDIR: 'is a directory',
    EACCES: 'is not accessible (permission denied)',
    EPERM: 'is not accessible (operation not permitted)',
    ELOOP: 'is a symbolic link that cannot be followed here',
    ENOTEMPTY: 'is a directory that is not empty',
    ENAMETOOLONG: 'has a name longer than the filesystem allows',
    EINVAL: 'cannot be moved there (into itself?)',
  };
  const reason =
    (code && what[code]) ?? `failed (${code ?? (error instanceof Error ? error.message : String(error))})`;
  return new SwitchyardError(code === 'ENOENT' ? 'not_found' : 'fs_error', `'${shown}' ${reason}`, {
    details: { path: shown, errno: code },
    cause: error,
  });
}
