import type { Config } from '../config/config-schema.js';
import { ConfigError, SwitchyardError, type Logger } from '#core';
import type { ServerFactory } from '#runtime/mcp';
import { createEmbedder, type Embedder } from '#stores/embeddings';
import type { Sql } from '#stores/sql';
import type { VectorStore } from '#stores/vector';
import { openVectorStore } from '../from-config/vector-store-from-config.js';

/** A server composed from configuration: the factory to serve, and what closes its dependencies. */
export interface ComposedServer {
  factory: ServerFactory;
  /** Closes the stores the composition opened (a vector store; never the SQL store it was given). */
  close(): Promise<void>;
}

export interface ComposeDeps {
  /**
   * The SQL store, opened once by the process role (app/roles/) that runs the server; required
   * by an entry whose `needsSql` says so. An entry never opens one itself: an embedded PGlite
   * database can be opened only once per process.
   */
  sql?: Sql;
  logger: Logger;
  /** Positional arguments after the server's name (`switchyard server filesystem /srv/docs`). */
  args?: readonly string[];
  /**
   * The configuration file `config` was loaded from, if any: no filesystem root may contain its
   * directory (a client writing there would add servers the bridge runs on hot reload).
   */
  configFile?: string | null;
}

export interface McpServerEntry {
  /** One line for `switchyard server --help` and error messages. */
  description: string;
  /** What positional arguments mean, for an entry that takes them (none when absent). */
  args?: string;
  /** Whether `create` needs `deps.sql` under this configuration. @defaultValue never */
  needsSql?(config: Config): boolean;
  create(config: Config, deps: ComposeDeps): Promise<ComposedServer>;
}

export type McpServerRegistry = Readonly<Record<string, McpServerEntry>>;

/**
 * Switchyard's own servers by name. Each entry imports its server module on demand, so running
 * one server does not load the others' dependencies (octokit, native addons).
 */
export const MCP_SERVERS: McpServerRegistry = {
  memory: {
    description: 'a knowledge graph in the SQL store, compatible with @modelcontextprotocol/server-memory',
    needsSql: () => true,
    async create(config, deps) {
      const { createServer } = await import('#mcp-servers/memory');
      const logger = deps.logger.child({ server: 'memory' });
      // import_memory_file reads files only where the filesystem server may; checked before the
      // stores open, so a bad root leaves nothing to close.
      const roots = await filesystemRoots(config, deps, []);
      const sql = requireSql(deps, 'memory');
      const stack = await openSearchStack(config, deps, logger);
      return {
        factory: () => createServer({ sql, store: stack.store, embedder: stack.embedder, logger, roots }),
        close: stack.close,
      };
    },
  },
  filesystem: {
    description: 'files under the allowed roots, narrowed by client MCP roots',
    args: 'allowed directories, added to filesystem.roots / SWITCHYARD_FS_ROOTS',
    async create(config, deps) {
      const { createServer } = await import('#mcp-servers/filesystem');
      const logger = deps.logger.child({ server: 'filesystem' });
      const roots = await filesystemRoots(config, deps, deps.args ?? []);
      if (roots.length === 0)
        logger.warn('no allowed directories configured: only roots offered by the client will be allowed');
      const protectedDirectories = { home: config.home, configFile: deps.configFile };
      return { factory: () => createServer({ roots, logger, protectedDirectories }), close: async () => {} };
    },
  },
  crm: {
    description: 'accounts, contacts, deals, activities, notes and tasks in the SQL store',
    needsSql: () => true,
    async create(_config, deps) {
      const { createServer } = await import('#mcp-servers/crm');
      const logger = deps.logger.child({ server: 'crm' });
      const sql = requireSql(deps, 'crm');
      return { factory: () => createServer({ sql, logger }), close: async () => {} };
    },
  },
  github: {
    description: 'repositories, issues and pull requests through the GitHub REST API (GITHUB_TOKEN)',
    async create(config, deps) {
      const { createServer } = await import('#mcp-servers/github');
      const logger = deps.logger.child({ server: 'github' });
      if (!config.github.token) logger.warn('no GITHUB_TOKEN: anonymous access, 60 requests an hour');
      return { factory: () => createServer({ ...config.github, logger }), close: async () => {} };
    },
  },
  vector: {
    description: 'collections of documents over the configured vector backend and embedder',
    // Only pgvector keeps vectors in the SQL store; the other backends never touch it.
    needsSql: (config) => config.vector.backend === 'pgvector',
    async create(config, deps) {
      const { createServer } = await import('#mcp-servers/vector');
      const logger = deps.logger.child({ server: 'vector' });
      const stack = await openSearchStack(config, deps, logger);
      return {
        factory: () => createServer({ store: stack.store, embedder: stack.embedder, logger }),
        close: stack.close,
      };
    },
  },
};

/**
 * The filesystem roots (`filesystem.roots` and `extra`) as real paths, resolved once here at the
 * composition root: a missing or non-directory root, or one that exposes Switchyard's home or the
 * config file's directory, fails at startup with a ConfigError naming it.
 */
async function filesystemRoots(
  config: Config,
  deps: ComposeDeps,
  extra: readonly string[],
): Promise<string[]> {
  const { resolveConfiguredRoots } = await import('#mcp-servers/filesystem');
  const { assertRootsClear, resolveProtectedDirectories } = await import('#mcp-servers/filesystem');
  const roots = resolveConfiguredRoots([...config.filesystem.roots, ...extra]);
  assertRootsClear(roots, resolveProtectedDirectories({ home: config.home, configFile: deps.configFile }));
  return roots;
}

interface SearchStack {
  store: VectorStore;
  embedder: Embedder;
  /** Closes the vector store this stack opened. */
  close(): Promise<void>;
}

/** The configured vector store (over `deps.sql` for pgvector) and embedder. */
async function openSearchStack(config: Config, deps: ComposeDeps, logger: Logger): Promise<SearchStack> {
  const sql = config.vector.backend === 'pgvector' ? requireSql(deps, 'the pgvector backend') : deps.sql;
  // openVectorStore reads `sql` only for pgvector, which always has one here.
  const store = await openVectorStore(config, { sql: sql as Sql, logger });
  const embedder = createEmbedder(config.embeddings, { logger });
  return { store, embedder, close: () => store.close() };
}

/** The SQL store the role opened, or a ConfigError saying that `who` needs one. */
function requireSql(deps: ComposeDeps, who: string): Sql {
  if (deps.sql) return deps.sql;
  throw new ConfigError(
    `${who} needs the SQL store, and this process did not open one (an entry's needsSql tells its role to)`,
  );
}

/** The entry named `name`, or an error that lists the servers there are. */
export function findMcpServer(name: string, registry: McpServerRegistry = MCP_SERVERS): McpServerEntry {
  const entry = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (entry) return entry;
  const known = Object.keys(registry).sort();
  throw new SwitchyardError('not_found', `unknown MCP server '${name}'; known servers: ${known.join(', ')}`, {
    details: { kind: 'mcp server', name, known },
  });
}
