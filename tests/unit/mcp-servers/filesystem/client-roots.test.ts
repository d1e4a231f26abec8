import { describe, expect, it } from 'vitest';
import { effectiveRoots, realRootsFromUris } from '../../../../mcp-servers/filesystem/client-roots.js';
import { silentLogger } from '../../../../core/logger.js';

describe('effectiveRoots', () => {
  it('uses the client roots when none are configured', () => {
    expect(effectiveRoots([], ['/a', '/b'])).toEqual(['/a', '/b']);
  });

  it('narrows configured roots to client roots inside them', () => {
    expect(effectiveRoots(['/data'], ['/data/project'])).toEqual(['/data/project']);
  });

  it('keeps a configured root that lies inside a wider client root, never the wider one', () => {
    expect(effectiveRoots(['/data/project'], ['/data'])).toEqual(['/data/project']);
  });

  it('drops client roots outside every configured root, including prefix siblings', () => {
    expect(effectiveRoots(['/data'], ['/data-evil', '/etc'])).toEqual([]);
  });
});

describe('realRootsFromUris', () => {
  it('keeps existing file:// directories and skips other schemes and missing paths', async () => {
    expect(
      await realRootsFromUris(['file:///tmp', 'https://example.com/', 'file:///no/such/dir'], silentLogger),
    ).toHaveLength(1);
  });
});
