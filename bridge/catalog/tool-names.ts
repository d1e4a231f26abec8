import { createHash } from 'node:crypto';
import picomatch from 'picomatch';

/**
 * How the bridge names what it exposes: `<server>__<tool>`, always matching
 * {@link EXPOSED_NAME}, and a function of that server's and tool's names only, so a name never
 * changes when other servers come or go. Collisions are found when the catalog is built
 * ({@link findCollisions}) and reported with both sources, never resolved by renaming one.
 */

/** What MCP clients (and model APIs) accept as a tool name. */
export const EXPOSED_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const MAX_NAME_LENGTH = 64;
export const SEPARATOR = '__';

/** Characters a name may not carry, replaced by '_'. */
const INVALID = /[^a-zA-Z0-9_-]/g;

/**
 * A server's name as a prefix: invalid characters become '_', and runs of '_' shrink to one so
 * the prefix never contains the separator (`a__b` + `c` must not read as `a` + `b__c`).
 */
export function serverPrefix(server: string): string {
  const prefix = server.replace(INVALID, '_').replace(/_{2,}/g, '_');
  return prefix.length > 0 ? prefix : '_';
}

/** The exposed name of `tool` on `server`: `<prefix>__<tool>`, or the tool's own name unprefixed. */
export function exposedName(server: string, tool: string, options: { prefixed?: boolean } = {}): string {
  const wanted = options.prefixed === false ? tool : `${serverPrefix(server)}${SEPARATOR}${tool}`;
  return fitName(wanted.replace(INVALID, '_'), `${server}\0${tool}`);
}

/**
 * An alias as an exposed name, made valid the way {@link exposedName} makes names valid (the
 * config layer should refuse an invalid alias first; this only guarantees the contract).
 */
export function aliasedName(server: string, tool: string, alias: string): string {
  return fitName(alias.replace(INVALID, '_'), `${server}\0${tool}\0${alias}`);
}

/**
 * Shortens a name past 64 characters to its first 55 and a hash of `identity` (8 hex digits): the
 * same long name always shortens the same way, and two long names that share a start still differ.
 */
export function fitName(name: string, identity: string = name): string {
  if (name.length === 0) return fitName('_', identity);
  if (name.length <= MAX_NAME_LENGTH) return name;
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME_LENGTH - hash.length - 1)}_${hash}`;
}

/** Where an exposed name came from. */
export interface NameSource {
  server: string;
  /** The upstream's own name for the tool (or prompt). */
  name: string;
  exposed: string;
}

export interface Collision {
  exposed: string;
  sources: NameSource[];
  /** One sentence naming every source, for the config error or the log. */
  message: string;
}

/** Every exposed name claimed by more than one source. */
export function findCollisions(sources: readonly NameSource[]): Collision[] {
  const byName = new Map<string, NameSource[]>();
  for (const source of sources) byName.set(source.exposed, [...(byName.get(source.exposed) ?? []), source]);
  return [...byName.entries()]
    .filter(([, claimants]) => claimants.length > 1)
    .map(([exposed, claimants]) => ({
      exposed,
      sources: claimants,
      message: `the name '${exposed}' is claimed by ${claimants
        .map((s) => `server '${s.server}' (${s.name})`)
        .join(' and ')}: give one an alias, or prefix its server's names`,
    }));
}

/** Allow and deny lists of globs over a server's own tool names; deny wins. */
export interface NameFilter {
  /** @defaultValue every name */
  allow?: readonly string[];
  /** @defaultValue none */
  deny?: readonly string[];
}

/** A predicate for a {@link NameFilter}; globs use picomatch syntax (`get_*`, `{read,list}_*`). */
export function compileNameFilter(filter: NameFilter = {}): (name: string) => boolean {
  const allow = filter.allow?.length ? picomatch([...filter.allow]) : () => true;
  const deny = filter.deny?.length ? picomatch([...filter.deny]) : () => false;
  return (name) => allow(name) && !deny(name);
}
