import { describe, expect, it } from 'vitest';
import {
  aliasedName,
  compileNameFilter,
  EXPOSED_NAME,
  exposedName,
  findCollisions,
  serverPrefix,
} from '../../../../bridge/catalog/tool-names.js';

describe('exposed tool names', () => {
  it('joins server and tool with a double underscore', () => {
    expect(exposedName('crm', 'get_account')).toBe('crm__get_account');
    expect(exposedName('crm', 'get_account', { prefixed: false })).toBe('get_account');
  });

  it('replaces characters clients refuse, and keeps the separator unambiguous', () => {
    expect(exposedName('My Server.io', 'read.file')).toBe('My_Server_io__read_file');
    expect(serverPrefix('a__b')).toBe('a_b');
    // Without the collapse these two would both be a__b__c.
    expect(exposedName('a__b', 'c')).not.toBe(exposedName('a', 'b__c'));
    expect(exposedName('', '')).toMatch(EXPOSED_NAME);
  });

  it('shortens long names with a stable hash, within 64 characters, distinct for distinct sources', () => {
    const tool = `tool_${'x'.repeat(80)}`;
    const long = exposedName('server', tool);
    expect(long).toMatch(EXPOSED_NAME);
    expect(long).toHaveLength(64);
    expect(long).toBe(exposedName('server', tool));
    expect(exposedName('server', `${tool}y`)).not.toBe(long);
    expect(long.startsWith('server__tool_xxx')).toBe(true);
  });

  it('names every random pair validly, and the same pair the same whatever else exists', () => {
    const alphabet = 'aZ09_-. /é:';
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const word = () =>
      Array.from(
        { length: Math.floor(random() * 90) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
    for (let i = 0; i < 500; i++) {
      const [server, tool] = [word(), word()];
      const name = exposedName(server, tool);
      expect(name, JSON.stringify([server, tool])).toMatch(EXPOSED_NAME);
      expect(exposedName(server, tool)).toBe(name);
    }
  });

  it('reports each collision with all of its sources', () => {
    const collisions = findCollisions([
      { server: 'a', name: 'search', exposed: 'search' },
      { server: 'b', name: 'search', exposed: 'search' },
      { server: 'b', name: 'read', exposed: 'b__read' },
    ]);
    expect(collisions).toHaveLength(1);
    expect(collisions[0]!.message).toBe(
      "the name 'search' is claimed by server 'a' (search) and server 'b' (search): give one an alias, or prefix its server's names",
    );
  });

  it('filters names by allow and deny globs, deny winning', () => {
    const keep = compileNameFilter({ allow: ['get_*', 'list_*'], deny: ['*_secret'] });
    expect(['get_account', 'list_x', 'get_secret', 'delete_account'].filter(keep)).toEqual([
      'get_account',
      'list_x',
    ]);
    expect(compileNameFilter()('anything')).toBe(true);
  });

  it('makes an alias a valid exposed name, shortening a long one stably', () => {
    expect(aliasedName('crm', 'get_account', 'account')).toBe('account');
    expect(aliasedName('crm', 'get_account', 'get account!')).toBe('get_account_');
    const long = aliasedName('crm', 'get_account', 'a'.repeat(80));
    expect(long).toMatch(EXPOSED_NAME);
    expect(aliasedName('crm', 'get_account', 'a'.repeat(80))).toBe(long);
  });
});
