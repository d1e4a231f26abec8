import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, type Logger } from '#core';
import { errnoOf, isWithin } from './path-guard.js';

/**
 * What no filesystem root may expose. Security: a root holding the configuration file's
 * directory lets a client write a config whose new stdio server the bridge runs as a command on
 * hot reload; a root holding Switchyard's home, or inside it, lets a client corrupt the database
 * and the indexes there.
 */
export interface ProtectedDirectories {
  /** Switchyard's home (config.home): no root may contain it or lie inside it. */
  home?: string;
  /** The configuration file the bridge reads (and watches): no root may contain its directory. */
  configFile?: string | null;
}

/** One protected directory as a real path, with what it is for the messages. */
export interface ProtectedPath {
  real: string;
  what: string;
  /** Whether a root inside it is refused too (home), not only a root that contains it. */
  noRootInside: boolean;
}

/**
 * Resolves {@link ProtectedDirectories} to real paths once, so roots (real paths) are compared
 * with real paths. A directory that does not exist yet (a home created on first start) is its
 * nearest existing ancestor's real path joined with the rest.
 */
export function resolveProtectedDirectories(directories: ProtectedDirectories): ProtectedPath[] {
  const paths: ProtectedPath[] = [];
  const add = (path: string, what: string, noRootInside: boolean) => {
    const real = realOrNearestParent(resolve(path));
    if (!paths.some((p) => p.real === real && p.noRootInside === noRootInside))
      paths.push({ real, what, noRootInside });
  };
  if (directories.home) add(directories.home, 'SWITCHYARD_HOME', true);
  if (directories.configFile) {
    const what = "the configuration file's directory";
    add(dirname(directories.configFile), what, false);
    // A config file that is a symlink is written through its target, so that directory counts too.
    add(dirname(realOrNearestParent(resolve(directories.configFile))), what, false);
  }
  return paths;
}

/** Why the real path `root` may not be a root, or undefined when it may. */
export function rootConflict(root: string, protectedPaths: readonly ProtectedPath[]): string | undefined {
  for (const { real, what, noRootInside } of protectedPaths) {
    if (isWithin(real, root)) return `contains ${what} (${real})`;
    if (noRootInside && isWithin(root, real)) return `lies inside ${what} (${real})`;
  }
  return undefined;
}

/** Throws a ConfigError naming the first configured root (real path) that exposes a protected directory. */
export function assertRootsClear(roots: readonly string[], protectedPaths: readonly ProtectedPath[]): void {
  for (const root of roots) {
    const conflict = rootConflict(root, protectedPaths);
    if (conflict)
      throw new ConfigError(
        `filesystem root '${root}' ${conflict}: a client could change the configuration or the ` +
          "bridge's data through it; choose a directory that holds neither the configuration file " +
          'nor SWITCHYARD_HOME and is not inside SWITCHYARD_HOME',
        { root },
      );
  }
}

/** The roots (real paths) that expose no protected directory; each one dropped is logged as a warning. */
export function withoutProtected(
  roots: readonly string[],
  protectedPaths: readonly ProtectedPath[],
  logger: Logger,
): string[] {
  return roots.filter((root) => {
    const conflict = rootConflict(root, protectedPaths);
    if (conflict) logger.warn({ root }, `ignoring a client root that ${conflict}`);
    return conflict === undefined;
  });
}

function realOrNearestParent(path: string): string {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch (error) {
      const parent = dirname(current);
      if (errnoOf(error) !== 'ENOENT' || parent === current) throw error;
      missing.push(basename(current));
      current = parent;
    }
  }
}
