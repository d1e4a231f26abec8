import type { Config } from '../config/config-schema.js';
import { type Logger, silentLogger } from '#core';
import type { Sql } from '#stores/sql';
import { Catalog, type ServerCatalogOptions } from '#bridge/catalog';
import type { ResolvedServer } from '../config/resolve-servers.js';
import { serversFromConfig } from '../config/resolve-servers.js';
import { applyServerChanges, startServers } from '../config/server-changes.js';
import { type ConfigWatcher, watchConfig } from '../config/watch-config.js';
import { createBuiltinTransportFactory } from '../servers/builtin-transport.js';
import { Fleet } from '#bridge/fleet';
import { FrontHub, type FrontHubOptions } from '#bridge/front';
import type { McpServerRegistry } from '../servers/mcp-server-registry.js';
import { openSqlFromConfig } from '../from-config/sql-from-config.js';

export interface ComposeBridgeOptions {
  config: Config;
  /** The config file it was loaded from: watched for changes when given. @defaultValue null */
  file?: string | null;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Watch the config file (when there is one). @defaultValue true */
  watch?: boolean;
  /** How the front relays sampling and elicitation (see FrontHub). @defaultValue both relayed */
  front?: Omit<FrontHubOptions, 'logger'>;
  /** Opens the SQL store when a built-in server needs one. @defaultValue openSqlFromConfig */
  openSql?: (config: Config, logger: Logger) => Promise<Sql>;
  /** @defaultValue MCP_SERVERS */
  registry?: McpServerRegistry;
  /** How long `ready` waits for the first servers to come up. @defaultValue 30000 */
  readyTimeoutMs?: number;
  /** Bound on each step of close(). @defaultValue 15000 */
  closeTimeoutMs?: number;
}

/** The bridge's parts, composed and started; `close()` ends them in the right order. */
export interface ComposedBridge {
  config: Config;
  file: string | null;
  fleet: Fleet;
  catalog: Catalog;
  /** Shared by every front session (stdio, HTTP): the fleet's relays of sampling, logs, updates. */
  hub: FrontHub;
  /** Open only when a built-in server is configured. */
  sql: Sql | undefined;
  /**
   * Settles once every initial server is up or has failed (each bounded by readyTimeoutMs) and
   * the catalog listed them: the front answers its first list requests after it, so a one-shot
   * client (the Inspector CLI) sees every tool. Never rejects.
   */
  ready: Promise<void>;
  /** The servers configured now. */
  servers(): readonly ResolvedServer[];
  /** Stops the watcher, then the fleet (every child ended), then closes SQL. Each step bounded; idempotent. */
  close(): Promise<void>;
}

/**
 * The composition root of `switchyard mcp` (and `switchyard start`): from a loaded configuration
 * to a running fleet and its catalog. Resolves once every server was put in the fleet (not once
 * each is ready: the catalog fills in as they come up, and a dead one never blocks the rest).
 */
export async function composeBridge(options: ComposeBridgeOptions): Promise<ComposedBridge> {
  const { config, file = null, registry } = options;
  const logger = options.logger ?? silentLogger;
  const closeTimeoutMs = options.closeTimeoutMs ?? 15_000;
  const initial = serversFromConfig(config.mcpServers, { file, registry });
  let current: readonly ResolvedServer[] = initial;

  // Built-ins run in process and share one SQL store (an embedded PGlite opens only once).
  const needsSql = initial.some((server) => server.enabled && server.spec.transport === 'builtin');
  const sql = needsSql ? await (options.openSql ?? openSqlFromConfig)(config, logger) : undefined;

  const hub = new FrontHub({ ...options.front, logger });
  const fleet = new Fleet({
    logger,
    createTransport: createBuiltinTransportFactory({ config, configFile: file, sql, logger, registry }),
    clientCapabilities: hub.clientCapabilities,
    configureClient: hub.configureClient,
  });
  const catalog = new Catalog(fleet, { logger, servers: catalogOptions(initial) });
  const unwatch = hub.watch(catalog);
  let watcher: ConfigWatcher | undefined;
  try {
    await startServers(fleet, initial);
    if (file && options.watch !== false)
      watcher = watchConfig({
        file,
        current: initial,
        logger,
        onChange: async (diff, servers) => {
          current = servers;
          // Names first, so the servers that come up are listed under their new options.
          catalog.setServerOptions(catalogOptions(servers));
          await applyServerChanges(fleet, diff);
        },
      });
  } catch (error) {
    await shutdown();
    throw error;
  }

  async function shutdown(): Promise<void> {
    watcher?.close();
    unwatch();
    catalog.close();
    await bounded(fleet.stop(), closeTimeoutMs, 'stopping the fleet', logger);
    if (sql) await bounded(sql.close(), closeTimeoutMs, 'closing the SQL store', logger);
  }

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const ready = Promise.allSettled(
    fleet.names().map((name) =>
      fleet.require(name).waitUntilReady({
        timeoutMs: Math.min(readyTimeoutMs, fleet.require(name).spec.startupTimeoutMs),
      }),
    ),
  ).then(() => catalog.whenIdle());

  let closing: Promise<void> | undefined;
  return {
    config,
    file,
    fleet,
    catalog,
    hub,
    sql,
    ready,
    servers: () => current,
    close: () => (closing ??= shutdown()),
  };
}

function catalogOptions(servers: readonly ResolvedServer[]): Record<string, Partial<ServerCatalogOptions>> {
  return Object.fromEntries(servers.map((server) => [server.name, server.catalog]));
}

/** Waits for `work` at most `ms`; past it, logs and moves on (close must not hang the process). */
async function bounded(work: Promise<void>, ms: number, what: string, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    const outcome = await Promise.race([work.then(() => 'done' as const), late]);
    if (outcome === 'late') logger.error({ timeoutMs: ms }, `${what} took longer than ${ms} ms; going on`);
  } catch (error) {
    logger.error({ err: error }, `${what} failed`);
  } finally {
    clearTimeout(timer);
  }
}
