import { serveHttp, serveStdio } from '#runtime/mcp';
import { ResourceStack } from '../compose/resource-stack.js';
import type { CommandContext } from '../context.js';
import { openSqlFromConfig } from '../from-config/sql-from-config.js';
import type { McpServerEntry } from '../servers/mcp-server-registry.js';
import type { RunningRole } from './running-role.js';

export interface ServerRoleOptions {
  /** Positional arguments for the server (the filesystem server's directories). */
  args: readonly string[];
  /** Serve Streamable HTTP instead of stdio. @defaultValue stdio */
  http?: { port: number; host?: string; bearerToken?: string; allowedOrigins?: string[] };
}

/**
 * The `server` role: one of Switchyard's MCP servers standalone. Opens the SQL store only when
 * the server needs it under this configuration (an embedded PGlite is locked by whoever opens
 * it), then the server's own stores, then serves it over stdio (`ended` settles when the client
 * ends stdin) or Streamable HTTP (until close()).
 */
export async function serverRole(
  { config, file, logger }: CommandContext,
  name: string,
  entry: McpServerEntry,
  options: ServerRoleOptions,
): Promise<RunningRole> {
  const stack = new ResourceStack({ logger });
  try {
    const sql = entry.needsSql?.(config)
      ? stack.use('the SQL store', await openSqlFromConfig(config, logger))
      : undefined;
    const composed = stack.use(
      `the ${name} server's stores`,
      await entry.create(config, { logger, args: options.args, configFile: file, ...(sql ? { sql } : {}) }),
    );
    if (!options.http) {
      const handle = stack.use('the stdio transport', await serveStdio(composed.factory, { logger }));
      return { ended: handle.closed, close: () => stack.close() };
    }
    const { port, host, bearerToken, allowedOrigins } = options.http;
    stack.use(
      'the HTTP listener',
      await serveHttp(composed.factory, { logger, port, host, bearerToken, allowedOrigins }),
    );
    return { close: () => stack.close() };
  } catch (error) {
    await stack.close();
    throw error;
  }
}
