import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../../../bridge/catalog/catalog.js';
import type { CatalogChange } from '../../../../bridge/catalog/catalog-entries.js';
import { Fleet } from '../../../../bridge/fleet/fleet.js';
import type { UpstreamState } from '../../../../bridge/fleet/upstream-events.js';
import type { UpstreamSpecInput } from '../../../../bridge/fleet/upstream-spec.js';

// Real child processes (the fleet fixture server under tsx, a couple of seconds to start here):
// kill -9 of one upstream keeps its tools listed as unavailable and leaves the other serving.

const TSX = import.meta.resolve('tsx');
const FIXTURE = join(import.meta.dirname, '../../../support/fleet-fixture-server.ts');
const READY_MS = 60_000;

const fixture = (name: string): UpstreamSpecInput =>
  ({
    name,
    transport: 'stdio',
    command: process.execPath,
    args: ['--import', TSX, FIXTURE],
    startupTimeoutMs: READY_MS,
    killGraceMs: 1000,
    pingIntervalMs: 0,
    restart: { initialDelayMs: 200, maxDelayMs: 1000, jitter: 0 },
  }) as UpstreamSpecInput;

const textOf = (result: CallToolResult) =>
  result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');

/** Resolves once `check` holds after a `changed` event of the catalog (or already holds). */
function until(catalog: Catalog, check: () => boolean, what: string): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`the catalog never showed ${what}`));
    }, READY_MS);
    const off = catalog.onChanged(() => {
      if (!check()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

const availability = (catalog: Catalog, name: string): [boolean, UpstreamState | 'local'] | undefined => {
  const tool = catalog.findTool(name);
  return tool && [tool.available, tool.state];
};

let fleet: Fleet | undefined;
let catalog: Catalog | undefined;

afterEach(async () => {
  catalog?.close();
  await fleet?.stop();
});

describe('Catalog over real processes', () => {
  it('keeps a killed upstream listed as unavailable, serves the other, and lists it again once back', async () => {
    fleet = new Fleet({ killOnExit: false });
    const current = new Catalog(fleet, { debounceMs: 10 });
    catalog = current;
    const changes: CatalogChange[] = [];
    current.onChanged((change) => changes.push(change));
    await Promise.all([fleet.add(fixture('alpha')), fleet.add(fixture('beta'))]);
    await until(
      current,
      () => current.findTool('alpha__echo') !== undefined && current.findTool('beta__echo') !== undefined,
      'both servers',
    );
    expect(current.findTool('alpha__echo')?.definition.description).toBe('Returns `text`.');

    const alpha = fleet.require('alpha');
    const firstPid = alpha.pid;
    expect(firstPid).toBeDefined();
    process.kill(-(firstPid as number), 'SIGKILL');
    await until(current, () => availability(current, 'alpha__echo')?.[0] === false, 'alpha unavailable');
    expect(current.findTool('alpha__echo')?.definition._meta).toMatchObject({
      'switchyard/available': false,
    });
    if (alpha.state !== 'ready')
      await expect(current.callTool('alpha__echo', { text: 'x' })).rejects.toThrow(
        /upstream 'alpha' is unavailable/,
      );
    expect(textOf(await current.callTool('beta__echo', { text: 'still here' }))).toBe('still here');

    await until(current, () => availability(current, 'alpha__echo')?.[0] === true, 'alpha back');
    expect(alpha.pid).not.toBe(firstPid);
    expect(textOf(await current.callTool('alpha__echo', { text: 'back' }))).toBe('back');
    expect(changes.every((change) => change.kinds.includes('tools'))).toBe(true);
  });
});
