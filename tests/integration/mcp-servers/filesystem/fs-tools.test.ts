import type { CallToolResult } from '@modelcontextprotocol/server';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Connected, dataOf, type FsFixture, makeFixture, textOf } from './fs-harness.js';

describe('the filesystem server tools inside the root', () => {
  let f: FsFixture;
  let server: Connected;
  beforeEach(async () => {
    f = await makeFixture();
    server = await connect({ roots: [f.root], maxReadBytes: 1000, maxWriteBytes: 1000 });
  });
  afterEach(async () => {
    await server.close();
    await f.dispose();
  });

  it('lists every tool with honest annotations', async () => {
    const { tools } = await server.client.listTools();
    const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(Object.keys(hints).sort()).toEqual([
      'create_directory',
      'directory_tree',
      'edit_file',
      'get_file_info',
      'list_allowed_directories',
      'list_directory',
      'move_file',
      'read_media_file',
      'read_multiple_files',
      'read_text_file',
      'search_files',
      'write_file',
    ]);
    for (const name of ['read_text_file', 'list_directory', 'search_files', 'get_file_info'])
      expect(hints[name]?.readOnlyHint).toBe(true);
    for (const name of ['write_file', 'edit_file', 'move_file'])
      expect(hints[name]?.destructiveHint).toBe(true);
    expect(hints.write_file?.idempotentHint).toBe(true);
    expect(hints.edit_file?.idempotentHint).toBe(false);
  });

  it('reads text whole, by head and by tail', async () => {
    expect(
      dataOf<{ content: string }>(await server.call('read_text_file', { path: 'inside.txt' })).content,
    ).toBe('hello inside\nline 2\nline 3\n');
    expect(dataOf(await server.call('read_text_file', { path: 'inside.txt', head: 1 }))).toMatchObject({
      content: 'hello inside',
      truncated: true,
    });
    expect(dataOf(await server.call('read_text_file', { path: 'inside.txt', tail: 2 }))).toMatchObject({
      content: 'line 2\nline 3',
    });
    const both = await server.call('read_text_file', { path: 'inside.txt', head: 1, tail: 1 });
    expect(both.isError && textOf(both)).toMatch(/not both/);
  });

  it('refuses a file over the read limit unless read with head or tail', async () => {
    await writeFile(join(f.root, 'big.txt'), `${'x'.repeat(1500)}\nlast line\n`);
    const whole = await server.call('read_text_file', { path: 'big.txt' });
    expect(whole.isError && textOf(whole)).toMatch(/1000-byte limit.*head or tail/);
    expect(
      dataOf<{ content: string }>(await server.call('read_text_file', { path: 'big.txt', tail: 1 })).content,
    ).toBe('last line');
  });

  it('reads media as base64 with its MIME type', async () => {
    await writeFile(join(f.root, 'pixel.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const result = await server.call('read_media_file', { path: 'pixel.png' });
    expect(result.content[0]).toEqual({ type: 'image', data: 'iVBORw==', mimeType: 'image/png' });
  });

  it('reads several files, reporting a missing one without failing the rest', async () => {
    const { files } = dataOf<{ files: Array<{ path: string; content?: string; error?: string }> }>(
      await server.call('read_multiple_files', { paths: ['sub/a.txt', 'nope.txt'] }),
    );
    expect(files[0]).toEqual({ path: 'sub/a.txt', content: 'alpha' });
    expect(files[1]?.error).toMatch(/does not exist/);
  });

  it('writes atomically, refusing content over the write limit', async () => {
    expect(dataOf(await server.call('write_file', { path: 'sub/new.txt', content: 'héllo' }))).toEqual({
      path: 'sub/new.txt',
      bytes: 6,
    });
    expect(await readFile(join(f.root, 'sub', 'new.txt'), 'utf8')).toBe('héllo');
    const big = await server.call('write_file', { path: 'sub/new.txt', content: 'x'.repeat(1001) });
    expect(big.isError && textOf(big)).toMatch(/limit for one write/);
    expect(await readFile(join(f.root, 'sub', 'new.txt'), 'utf8')).toBe('héllo');
  });

  it('edits with a diff, previews with dryRun, and refuses ambiguous or missing text', async () => {
    const preview = dataOf<{ diff: string; applied: boolean }>(
      await server.call('edit_file', {
        path: 'inside.txt',
        edits: [{ oldText: 'line 2', newText: 'LINE TWO' }],
        dryRun: true,
      }),
    );
    expect(preview.applied).toBe(false);
    expect(preview.diff).toContain('-line 2');
    expect(preview.diff).toContain('+LINE TWO');
    expect(await readFile(join(f.root, 'inside.txt'), 'utf8')).toContain('line 2');
    dataOf(
      await server.call('edit_file', {
        path: 'inside.txt',
        edits: [{ oldText: 'line 2', newText: 'LINE TWO' }],
      }),
    );
    expect(await readFile(join(f.root, 'inside.txt'), 'utf8')).toBe('hello inside\nLINE TWO\nline 3\n');
    const ambiguous = await server.call('edit_file', {
      path: 'inside.txt',
      edits: [{ oldText: 'e', newText: 'x' }],
    });
    expect(textOf(ambiguous)).toMatch(/more than once/);
    const missing = await server.call('edit_file', {
      path: 'inside.txt',
      edits: [{ oldText: 'absent', newText: 'x' }],
    });
    expect(textOf(missing)).toMatch(/not found/);
  });

  it('creates directories with parents, idempotently', async () => {
    expect(dataOf(await server.call('create_directory', { path: 'a/b/c' }))).toEqual({
      path: 'a/b/c',
      created: true,
    });
    expect(dataOf(await server.call('create_directory', { path: 'a/b/c' }))).toEqual({
      path: 'a/b/c',
      created: false,
    });
  });

  it('lists a directory with sizes, sorted by name or by size', async () => {
    await writeFile(join(f.root, 'sub', 'big.txt'), 'x'.repeat(50));
    await mkdir(join(f.root, 'sub', 'd'));
    type Listing = { entries: Array<{ name: string; type: string; size: number }>; totalBytes: number };
    const byName = dataOf<Listing>(await server.call('list_directory', { path: 'sub' }));
    expect(byName.entries.map((e) => e.name)).toEqual(['a.txt', 'big.txt', 'd']);
    expect(byName.totalBytes).toBe(55);
    const bySize = dataOf<Listing>(await server.call('list_directory', { path: 'sub', sortBy: 'size' }));
    expect(bySize.entries.map((e) => e.name)).toEqual(['big.txt', 'a.txt', 'd']);
  });

  it('builds a tree with excludes', async () => {
    type Node = { name: string; children?: Node[] };
    const { tree } = dataOf<{ tree: Node[] }>(
      await server.call('directory_tree', { path: '.', excludePatterns: ['chain*', 'dirlink-*'] }),
    );
    expect(tree.map((n) => n.name)).toEqual(['dangling', 'inlink', 'inside.txt', 'link-out', 'sub']);
    expect(tree.find((n) => n.name === 'sub')?.children).toEqual([{ name: 'a.txt', type: 'file' }]);
  });

  it('moves a file and refuses to overwrite an existing destination', async () => {
    dataOf(await server.call('move_file', { source: 'sub/a.txt', destination: 'moved.txt' }));
    expect(await readFile(join(f.root, 'moved.txt'), 'utf8')).toBe('alpha');
    const clash = await server.call('move_file', { source: 'moved.txt', destination: 'inside.txt' });
    expect(clash.isError && textOf(clash)).toMatch(/already exists/);
  });

  it('searches by glob with excludes, reporting progress when asked', async () => {
    for (let i = 0; i < 250; i += 1) await writeFile(join(f.root, 'sub', `f${i}.md`), '');
    const progress: number[] = [];
    const result = (await server.client.request(
      {
        method: 'tools/call',
        params: {
          name: 'search_files',
          arguments: { path: '.', pattern: '*.txt', excludePatterns: ['sub'] },
        },
      },
      { onprogress: (p) => progress.push(p.progress) },
    )) as CallToolResult;
    expect(dataOf<{ matches: string[] }>(result).matches).toEqual(['inside.txt']);
    const all = (await server.client.request(
      {
        method: 'tools/call',
        params: { name: 'search_files', arguments: { path: '.', pattern: 'sub/*.md' } },
      },
      { onprogress: (p) => progress.push(p.progress) },
    )) as CallToolResult;
    expect(dataOf<{ matches: string[] }>(all).matches).toHaveLength(250);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('keeps serving after a search is cancelled', async () => {
    for (let i = 0; i < 300; i += 1) await mkdir(join(f.root, 'sub', `d${i}`));
    const controller = new AbortController();
    const pending = server.client.callTool(
      { name: 'search_files', arguments: { path: '.', pattern: '*' } },
      {
        signal: controller.signal,
      },
    );
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow(/stop/);
    // The server keeps serving after the cancelled call.
    expect(dataOf(await server.call('list_allowed_directories'))).toEqual({ directories: [f.root] });
  });

  it('gives file info', async () => {
    expect(dataOf(await server.call('get_file_info', { path: 'sub/a.txt' }))).toMatchObject({
      type: 'file',
      size: 5,
    });
  });
});
