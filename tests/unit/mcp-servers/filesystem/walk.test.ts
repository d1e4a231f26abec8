import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathGuard } from '../../../../mcp-servers/filesystem/path-guard.js';
import { CancelledError, walk, type WalkEntry } from '../../../../mcp-servers/filesystem/walk.js';

async function collect(gen: AsyncGenerator<WalkEntry, { truncated: boolean }>) {
  const entries: WalkEntry[] = [];
  let next = await gen.next();
  while (!next.done) {
    entries.push(next.value);
    next = await gen.next();
  }
  return { entries, truncated: next.value.truncated };
}

describe('walk', () => {
  let base: string;
  let root: string;
  let guard: PathGuard;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'sy-walk-')));
    root = join(base, 'root');
    await mkdir(join(root, 'b', 'c'), { recursive: true });
    await mkdir(join(base, 'outside'));
    await writeFile(join(base, 'outside', 'secret.txt'), 's');
    await writeFile(join(root, 'a.txt'), 'a');
    await writeFile(join(root, 'b', 'c', 'd.txt'), 'd');
    await symlink(join(base, 'outside'), join(root, 'out'));
    guard = new PathGuard([root]);
  });
  afterAll(async () => rm(base, { recursive: true, force: true }));

  const options = (signal: AbortSignal = new AbortController().signal) => ({
    guard,
    start: root,
    shown: '.',
    maxDepth: 10,
    maxEntries: 100,
    signal,
  });

  it('yields entries depth-first in name order and lists symlinks without entering them', async () => {
    const { entries, truncated } = await collect(walk(options()));
    expect(entries.map((e) => `${e.relative}:${e.type}`)).toEqual([
      'a.txt:file',
      'b:directory',
      'out:symlink',
      'b/c:directory',
      'b/c/d.txt:file',
    ]);
    expect(truncated).toBe(false);
  });

  it('stops at maxEntries and says it truncated', async () => {
    const { entries, truncated } = await collect(walk({ ...options(), maxEntries: 2 }));
    expect(entries).toHaveLength(2);
    expect(truncated).toBe(true);
  });

  it('does not enter excluded directories', async () => {
    const { entries } = await collect(walk({ ...options(), exclude: (_rel, name) => name === 'b' }));
    expect(entries.map((e) => e.relative)).toEqual(['a.txt', 'out']);
  });

  it('throws CancelledError when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(walk(options(controller.signal)))).rejects.toBeInstanceOf(CancelledError);
  });
});
