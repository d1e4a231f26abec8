import { afterEach, describe, expect, it } from 'vitest';
import { parseMcpServers } from '../../../../app/config/mcp-servers-schema.js';
import { resolveServers } from '../../../../app/config/resolve-servers.js';
import {
  applyServerChanges,
  diffServers,
  isEmptyDiff,
  startServers,
} from '../../../../app/config/server-changes.js';
import { Fleet, type MembershipChange } from '../../../../bridge/fleet/fleet.js';
import { FakeUpstreams } from '../../bridge/fleet/fake-upstreams.js';

const servers = (raw: Record<string, unknown>) => resolveServers(parseMcpServers(raw));

describe('diffServers', () => {
  it('finds added, removed and changed servers, and ignores the order in the file', () => {
    const before = servers({ a: { command: 'a' }, b: { command: 'b' }, c: { command: 'c' } });
    const after = servers({ d: { command: 'd' }, c: { command: 'c', args: ['-v'] }, a: { command: 'a' } });
    const diff = diffServers(before, after);
    expect(diff.added.map((s) => s.name)).toEqual(['d']);
    expect(diff.removed.map((s) => s.name)).toEqual(['b']);
    expect(
      diff.changed.map((c) => [c.before.spec, c.after.spec].map((s) => s.transport === 'stdio' && s.args)),
    ).toEqual([[[], ['-v']]]);
    expect(isEmptyDiff(diffServers(before, [...before].reverse()))).toBe(true);
  });

  it('counts a change of catalog options or of enabled as a change', () => {
    const before = servers({ a: { command: 'a' }, b: { command: 'b' } });
    const after = servers({ a: { command: 'a', aliases: { x: 'y' } }, b: { command: 'b', enabled: false } });
    expect(diffServers(before, after).changed.map((c) => c.after.name)).toEqual(['a', 'b']);
  });
});

describe('applyServerChanges', () => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('restarts only the servers whose spec changed, and takes disabled ones out', async () => {
    const fakes = new FakeUpstreams();
    fleet = new Fleet({ createTransport: fakes.factory, killOnExit: false });
    const before = servers({
      keep: { command: 'k' },
      edit: { command: 'e' },
      alias: { command: 'a' },
      off: { command: 'o' },
    });
    await startServers(fleet, before);
    expect(fleet.names()).toEqual(['alias', 'edit', 'keep', 'off']);
    const kept = fleet.get('keep');
    const aliased = fleet.get('alias');
    const changes: MembershipChange[] = [];
    fleet.on('membership', (change) => changes.push(change));

    const after = servers({
      keep: { command: 'k' },
      edit: { command: 'e', args: ['--new'] },
      alias: { command: 'a', aliases: { echo: 'say' } },
      off: { command: 'o', disabled: true },
      fresh: { command: 'f' },
      later: { command: 'l', enabled: false },
    });
    await applyServerChanges(fleet, diffServers(before, after));

    expect(changes.map((c) => [c.name, c.change]).sort()).toEqual([
      ['edit', 'replaced'],
      ['fresh', 'added'],
      ['off', 'removed'],
    ]);
    expect(fleet.names()).toEqual(['alias', 'edit', 'fresh', 'keep']);
    expect(fleet.get('keep')).toBe(kept);
    // An alias is the catalog's business: the upstream keeps running.
    expect(fleet.get('alias')).toBe(aliased);
    expect(fakes.of('keep')).toHaveLength(1);
    expect(fakes.of('edit')).toHaveLength(2);
  });

  it('removes servers that left the file and re-adds one enabled again', async () => {
    const fakes = new FakeUpstreams();
    fleet = new Fleet({ createTransport: fakes.factory, killOnExit: false });
    const first = servers({ a: { command: 'a' }, b: { command: 'b', enabled: false } });
    await startServers(fleet, first);
    expect(fleet.names()).toEqual(['a']);
    const second = servers({ b: { command: 'b' } });
    await applyServerChanges(fleet, diffServers(first, second));
    expect(fleet.names()).toEqual(['b']);
  });
});
