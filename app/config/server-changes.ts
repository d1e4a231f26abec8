import { isDeepStrictEqual } from 'node:util';
import type { Fleet } from '#bridge/fleet';
import type { ResolvedServer } from './resolve-servers.js';

/** How one configuration's servers differ from the previous one's, by name. */
export interface ServerDiff {
  /** Names that are new. */
  added: ResolvedServer[];
  /** Names that are gone (their previous entries). */
  removed: ResolvedServer[];
  /** Names whose resolved entry differs in any way (spec, catalog options or `enabled`). */
  changed: Array<{ before: ResolvedServer; after: ResolvedServer }>;
}

/** Compares two lists of resolved servers by name, entries deeply; the order in the file does not count. */
export function diffServers(before: readonly ResolvedServer[], after: readonly ResolvedServer[]): ServerDiff {
  const old = new Map(before.map((server) => [server.name, server]));
  const next = new Map(after.map((server) => [server.name, server]));
  const diff: ServerDiff = { added: [], removed: [], changed: [] };
  for (const server of after) {
    const previous = old.get(server.name);
    if (!previous) diff.added.push(server);
    else if (!isDeepStrictEqual(previous, server)) diff.changed.push({ before: previous, after: server });
  }
  for (const server of before) if (!next.has(server.name)) diff.removed.push(server);
  return diff;
}

export function isEmptyDiff(diff: ServerDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

/** The fleet's part of a diff, as sentences for the log. */
export function describeDiff(diff: ServerDiff): string {
  const names = (servers: ResolvedServer[]) => servers.map((server) => server.name).join(', ');
  const parts = [
    diff.added.length > 0 ? `added ${names(diff.added)}` : '',
    diff.removed.length > 0 ? `removed ${names(diff.removed)}` : '',
    diff.changed.length > 0 ? `changed ${names(diff.changed.map((change) => change.after))}` : '',
  ];
  return parts.filter(Boolean).join('; ') || 'no change';
}

/**
 * Applies a diff to the fleet: a removed or newly disabled server leaves it, an added or changed
 * enabled one is put in with `fleet.replace`, which restarts only that server and changes nothing
 * when its spec is equal (an alias or filter change leaves the upstream running). Servers not in
 * the diff are not touched. Different names are applied concurrently; every change is attempted,
 * then an AggregateError lists those that failed.
 */
export async function applyServerChanges(fleet: Fleet, diff: ServerDiff): Promise<void> {
  const leave = (name: string) => (fleet.get(name) ? fleet.remove(name) : Promise.resolve());
  const put = (server: ResolvedServer) =>
    server.enabled ? fleet.replace(server.spec).then(() => undefined) : leave(server.name);
  const work: Array<[string, Promise<void>]> = [
    ...diff.removed.map((server): [string, Promise<void>] => [server.name, leave(server.name)]),
    ...diff.added.map((server): [string, Promise<void>] => [server.name, put(server)]),
    ...diff.changed.map(({ after }): [string, Promise<void>] => [after.name, put(after)]),
  ];
  const results = await Promise.allSettled(work.map(([, promise]) => promise));
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [{ name: work[index]![0], error: result.reason as unknown }] : [],
  );
  if (failures.length > 0)
    throw new AggregateError(
      failures.map((failure) => failure.error),
      `could not apply the change to ${failures.map((failure) => `'${failure.name}'`).join(', ')}`,
    );
}

/** Puts every enabled server in the fleet (the first configuration). */
export function startServers(fleet: Fleet, servers: readonly ResolvedServer[]): Promise<void> {
  return applyServerChanges(fleet, diffServers([], servers));
}
