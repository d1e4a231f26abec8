import type { Config } from '../config/config-schema.js';
import { type Logger, silentLogger } from '#core';
import type { Sql } from '#stores/sql';
import { Catalog, type ServerCatalogOptions } from '#bridge/catalog';
import { Fleet } from '#bridge/fleet';
import type { FrontHub } from '#bridge/front';
import type { ResolvedServer } from '../config/resolve-servers.js';
import { serversFromConfig } from '../config/resolve-servers.js';
import { applyServerChanges, startServers } from '../config/server-changes.js';
import { type ConfigWatcher, watchConfig } from '../config/watch-config.js';
import { createBuiltinTransportFactory } from '../servers/builtin-transport.js';
import type { McpServerRegistry } from '../servers/mcp-server-registry.js';
import { ResourceStack } from './resource-stack.js';

export interface ComposeCatalogOptions {
  config: Config;
  /** The config file it was loaded from: watched for changes when given. @defaultValue null */
  file?: string | null;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Watch the config file (when there is one). @defaultValue true */
  watch?: boolean;
  /**
   * The SQL store the built-in servers share, opened by the process role (which closes it after
   * this). @defaultValue none: a built-in server that needs it fails to start
   */
  sql?: Sql;
  /** @defaultValue MCP_SERVERS */
  registry?: McpServerRegistry;
  /** How the upstream clients relay sampling and elicitation to front clients. @defaultValue no relay */
  relay?: Pick<FrontHub, 'clientCapabilities' | 'configureClient'>;
  /** How long `ready` waits for the first servers to come up. @defaultValue 30000 */
  readyTimeoutMs?: number;
  /** Bound on each step of close(). @defaultValue 15000 */
  closeTimeoutMs?: number;
}

/** The fleet and its merged catalog, started; what agents call tools through. */
export interface ComposedCatalog {
  config: Config;
  file: string | null;
  fleet: Fleet;
  catalog: Catalog;
  /** The SQL store it was given (not its own: the role closes it). */
  sql: Sql | undefined;
  /**
   * Settles once every initial server is up or has failed (each bounded by readyTimeoutMs) and
   * the catalog listed them: the front answers its first list requests after it, so a one-shot
   * client (the Inspector CLI) sees every tool. Never rejects.
   */
  ready: Promise<void>;
  /** The servers configured now. */
  servers(): readonly ResolvedServer[];
  /** Stops the watcher, then the fleet (every child ended). Each step bounded; idempotent. */
  close(): Promise<void>;
}

/**
 * From a loaded configuration to a running fleet and its catalog, with no front: what a worker
 * needs to call tools, and what composeBridge puts a front hub on. Resolves once every server was
 * put in the fleet (not once each is ready: the catalog fills in as they come up, and a dead one
 * never blocks the rest).
 */
export async function composeCatalog(options: ComposeCatalogOptions): Promise<ComposedCatalog> {
  const { config, file = null, registry, sql } = options;
  const logger = options.logger ?? silentLogger;
  const initial = serversFromConfig(config.mcpServers, { file, registry });
  let current: readonly ResolvedServer[] = initial;

  const fleet = new Fleet({
    logger,
    createTransport: createBuiltinTransportFactory({ config, configFile: file, sql, logger, registry }),
    ...(options.relay
      ? {
          clientCapabilities: options.relay.clientCapabilities,
          configureClient: options.relay.configureClient,
        }
      : {}),
  });
  const catalog = new Catalog(fleet, { logger, servers: catalogOptions(initial) });
  const stack = new ResourceStack({ logger, closeTimeoutMs: options.closeTimeoutMs ?? 15_000 });
  stack.defer('the fleet', () => fleet.stop());
  stack.defer('the catalog', () => catalog.close());
  try {
    await startServers(fleet, initial);
    if (file && options.watch !== false) {
      const watcher: ConfigWatcher = watchConfig({
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
      stack.defer('the config watcher', () => watcher.close());
    }
  } catch (error) {
    await stack.close();
    throw error;
  }

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const ready = Promise.allSettled(
    fleet.names().map((name) =>
      fleet.require(name).waitUntilReady({
        timeoutMs: Math.min(readyTimeoutMs, fleet.require(name).spec.startupTimeoutMs),
      }),
    ),
  ).then(() => catalog.whenIdle());

  return {
    config,
    file,
    fleet,
    catalog,
    sql,
    ready,
    servers: () => current,
    close: () => stack.close(),
  };
}

function catalogOptions(servers: readonly ResolvedServer[]): Record<string, Partial<ServerCatalogOptions>> {
  return Object.fromEntries(servers.map((server) => [server.name, server.catalog]));
}
