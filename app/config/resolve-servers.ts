import { isAbsolute, resolve } from 'node:path';
import { parseUpstreamSpec, type UpstreamSpec } from '#bridge/fleet';
import { MCP_SERVERS, type McpServerRegistry } from '../servers/mcp-server-registry.js';
import { type McpServerEntry, type McpServers, parseMcpServers } from './mcp-servers-schema.js';

/** What the catalog needs to know about a server's names. */
export interface CatalogOptions {
  /** False exposes the server's names as it gives them. */
  prefixed: boolean;
  /** `{<upstream tool name>: <exposed name>}`. */
  aliases: Record<string, string>;
  tools: { allow?: string[]; deny?: string[] };
}

/** One `mcpServers` entry, resolved: what the fleet runs and how the catalog names it. */
export interface ResolvedServer {
  name: string;
  /** A disabled server is configured but not in the fleet. */
  enabled: boolean;
  spec: UpstreamSpec;
  catalog: CatalogOptions;
}

export interface ResolveOptions {
  /** Where a relative stdio `cwd` is resolved from: the config file's directory. @defaultValue process.cwd() */
  baseDir?: string;
}

/** Turns one validated entry into the fleet's spec and the catalog's options. */
export function resolveServer(
  name: string,
  entry: McpServerEntry,
  options: ResolveOptions = {},
): ResolvedServer {
  const { enabled, prefix, aliases, tools } = entry;
  return {
    name,
    enabled,
    // Validated again by the fleet's schema: one source of truth for what a spec is.
    spec: parseUpstreamSpec({ ...specInput(entry, options), name }),
    catalog: {
      prefixed: prefix,
      aliases: { ...aliases },
      tools: {
        ...(tools.allow ? { allow: [...tools.allow] } : {}),
        ...(tools.deny ? { deny: [...tools.deny] } : {}),
      },
    },
  };
}

/** The entry without the catalog's and other clients' keys, as the fleet's spec input. */
function specInput(entry: McpServerEntry, options: ResolveOptions): Record<string, unknown> {
  const {
    enabled: _enabled,
    prefix: _prefix,
    aliases: _aliases,
    tools: _tools,
    autoApprove: _autoApprove,
    alwaysAllow: _alwaysAllow,
    ...rest
  } = entry;
  switch (rest.kind) {
    case 'stdio': {
      const { kind: _kind, type: _type, cwd, ...stdio } = rest;
      const base = options.baseDir ?? process.cwd();
      return {
        ...stdio,
        transport: 'stdio',
        ...(cwd !== undefined ? { cwd: isAbsolute(cwd) ? cwd : resolve(base, cwd) } : {}),
      };
    }
    case 'http': {
      const { kind: _kind, type: _type, ...http } = rest;
      return { ...http, transport: 'http' };
    }
    case 'builtin': {
      const { kind: _kind, builtin, ...builtinRest } = rest;
      return { ...builtinRest, transport: 'builtin', server: builtin };
    }
  }
}

/** Every entry resolved, in the file's order. */
export function resolveServers(servers: McpServers, options: ResolveOptions = {}): ResolvedServer[] {
  return Object.entries(servers).map(([name, entry]) => resolveServer(name, entry, options));
}

/**
 * Switchyard's five built-in servers, each under its own name: what `npm start` runs when the
 * configuration has no `mcpServers`. github works anonymously without GITHUB_TOKEN; filesystem
 * uses `filesystem.roots` / SWITCHYARD_FS_ROOTS.
 */
export function defaultMcpServers(registry: McpServerRegistry = MCP_SERVERS): McpServers {
  const raw = Object.fromEntries(Object.keys(registry).map((name) => [name, { builtin: name }]));
  return parseMcpServers(raw, { file: 'the default servers', registry });
}

export interface ServersFromConfigOptions extends ResolveOptions {
  /** The config file, named in errors; its directory is the default `baseDir`. */
  file?: string | null;
  registry?: McpServerRegistry;
}

/**
 * The servers of a loaded configuration's `mcpServers` (the defaults when it has none), validated
 * and resolved. Throws a ConfigError naming the file, the server and the field.
 */
export function serversFromConfig(
  mcpServers: Record<string, unknown> | undefined,
  options: ServersFromConfigOptions = {},
): ResolvedServer[] {
  const { file, registry } = options;
  const entries =
    mcpServers === undefined || Object.keys(mcpServers).length === 0
      ? defaultMcpServers(registry)
      : parseMcpServers(mcpServers, { file, registry });
  const baseDir = options.baseDir ?? (file ? resolve(file, '..') : undefined);
  return resolveServers(entries, { baseDir });
}
