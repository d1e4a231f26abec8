import type { McpServer } from '@modelcontextprotocol/server';
import { realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '#core';
import { isWithin, type PathGuard } from './path-guard.js';
import { type ProtectedPath, withoutProtected } from './protected-directories.js';

/**
 * The policy for MCP roots offered by the client (all paths real):
 * - no configured roots: the client's roots are used as they are (the user chose them there);
 * - configured roots: the client can only narrow them. The result is the intersection — each
 *   client root inside a configured root, and each configured root inside a client root.
 *   Security: a client can never widen what the operator configured; an empty intersection
 *   allows nothing rather than falling back to something the client did not ask for.
 */
export function effectiveRoots(configured: readonly string[], offered: readonly string[]): string[] {
  if (configured.length === 0) return unique(offered);
  const result: string[] = [];
  for (const client of offered) {
    for (const config of configured) {
      if (isWithin(client, config)) result.push(client);
      else if (isWithin(config, client)) result.push(config);
    }
  }
  return unique(result);
}

function unique(paths: readonly string[]): string[] {
  return [...new Set(paths)];
}

/** Real paths of the client's file:// roots; other schemes and missing directories are skipped. */
export async function realRootsFromUris(uris: readonly string[], logger: Logger): Promise<string[]> {
  const real: string[] = [];
  for (const uri of uris) {
    try {
      if (!uri.startsWith('file://')) throw new Error('not a file:// URI');
      real.push(await realpath(fileURLToPath(uri)));
    } catch (error) {
      logger.warn({ err: error, uri }, 'ignoring a client root');
    }
  }
  return real;
}

/**
 * Asks the client for its roots after initialization and again on roots/list_changed, when the
 * client declares the roots capability, and applies {@link effectiveRoots} to the guard. Client
 * roots that expose a protected directory are dropped first (with a warning), by the rule that
 * refuses such a configured root: with no configured roots, the client's are used as they are.
 */
export function followClientRoots(
  server: McpServer,
  guard: PathGuard,
  configured: readonly string[],
  logger: Logger,
  protectedPaths: readonly ProtectedPath[] = [],
): void {
  const refresh = async (): Promise<void> => {
    if (!server.server.getClientCapabilities()?.roots) return;
    const { roots } = await server.server.listRoots();
    const real = await realRootsFromUris(
      roots.map((r) => r.uri),
      logger,
    );
    const offered = withoutProtected(real, protectedPaths, logger);
    const next = effectiveRoots(configured, offered);
    guard.setRoots(next);
    logger.info({ roots: next }, 'filesystem roots updated from the client');
  };
  const refreshLogged = (): Promise<void> =>
    refresh().catch((error: unknown) => logger.error({ err: error }, 'could not read the client roots'));
  server.server.oninitialized = () => {
    void refreshLogged();
  };
  server.server.setNotificationHandler('notifications/roots/list_changed', refreshLogged);
}
