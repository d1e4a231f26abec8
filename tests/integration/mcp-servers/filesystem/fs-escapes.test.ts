import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ATTEMPTS } from './fs-escape-attempts.js';
import {
  connect,
  type Connected,
  dataOf,
  type FsFixture,
  makeFixture,
  SECRET,
  snapshot,
  textOf,
} from './fs-harness.js';

describe('the filesystem server refuses escapes from its roots', () => {
  let f: FsFixture;
  let server: Connected;
  let before: string;
  beforeEach(async () => {
    f = await makeFixture();
    server = await connect({ roots: [f.root] });
    before = await snapshot(f.outside, f.evil);
  });
  afterEach(async () => {
    await server.close();
    await f.dispose();
  });

  it(`has at least 40 attempts (${ATTEMPTS.length})`, () => {
    expect(ATTEMPTS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(ATTEMPTS)('$name', async ({ tool, args, outcome = 'error' }) => {
    const result = await server.call(tool, args(f));
    const text = textOf(result);
    expect(text).not.toContain(SECRET);
    if (outcome === 'error') expect(result.isError, text).toBe(true);
    if (outcome === 'partial') {
      const { files } = dataOf<{ files: Array<{ content?: string; error?: string }> }>(result);
      expect(files.at(-1)?.error).toMatch(/access denied|outside/);
    }
    if (outcome === 'empty') expect(dataOf<{ matches: string[] }>(result).matches).toEqual([]);
    // Nothing outside changed: no file written, moved, created or edited there.
    expect(await snapshot(f.outside, f.evil)).toBe(before);
    // And legitimate access inside still works after the attempt.
    expect(
      dataOf<{ content: string }>(await server.call('read_text_file', { path: 'inlink' })).content,
    ).toContain('hello inside');
  });

  it('refuses a symlink swapped in for a checked directory while reads race it, bounded', async () => {
    // A real race: one loop flips root/flip between a directory and a link to outside while reads
    // run. Every read must return the inside content or an error, never the outside file.
    const { mkdir, rename, rm, symlink, writeFile } = await import('node:fs/promises');
    const flip = join(f.root, 'flip');
    await mkdir(join(f.outside, 'flipdir'));
    await writeFile(join(f.outside, 'flipdir', 'f.txt'), `${SECRET} flip`);
    await symlink(join(f.outside, 'flipdir'), join(f.root, 'flip-link'));
    await mkdir(join(f.root, 'flip-dir'));
    await writeFile(join(f.root, 'flip-dir', 'f.txt'), 'inside flip');
    await rename(join(f.root, 'flip-dir'), flip);
    let stop = false;
    const flipper = (async () => {
      for (let i = 0; i < 400 && !stop; i += 1) {
        // Swap the real directory out and the link in, then back.
        await rename(flip, join(f.root, 'flip-dir'));
        await rename(join(f.root, 'flip-link'), flip);
        await new Promise((r) => setImmediate(r));
        await rename(flip, join(f.root, 'flip-link'));
        await rename(join(f.root, 'flip-dir'), flip);
      }
    })();
    const outcomes = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const result = await server.call('read_text_file', { path: 'flip/f.txt' });
      const text = textOf(result);
      expect(text).not.toContain(SECRET);
      outcomes.add(result.isError ? 'refused' : 'inside');
    }
    stop = true;
    await flipper;
    await rm(join(f.outside, 'flipdir'), { recursive: true });
    expect(await snapshot(f.outside, f.evil)).toBe(before);
    expect(outcomes.size).toBeGreaterThan(0);
  });

  it('does not follow a directory symlink in the tree of the root', async () => {
    const text = textOf(await server.call('directory_tree', { path: '.' }));
    expect(text).toContain('dirlink-out');
    expect(text).not.toContain('secret.txt');
    expect(text).not.toContain('n.txt');
  });

  it('moves a symlink inside the root as a link, leaving the outside file where it was', async () => {
    dataOf(await server.call('move_file', { source: 'link-out', destination: 'sub/moved-link' }));
    expect(await readFile(join(f.outside, 'secret.txt'), 'utf8')).toContain(SECRET);
    expect(await snapshot(f.outside, f.evil)).toBe(before);
    expect((await server.call('read_text_file', { path: 'sub/moved-link' })).isError).toBe(true);
  });
});
