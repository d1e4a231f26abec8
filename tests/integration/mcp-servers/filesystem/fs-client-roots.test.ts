import { Client } from '@modelcontextprotocol/client';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connect, type Connected, dataOf, type FsFixture, makeFixture } from './fs-harness.js';

function rootsClient(roots: () => string[]): Client {
  const client = new Client(
    { name: 'roots-test', version: '1.0.0' },
    { capabilities: { roots: { listChanged: true } } },
  );
  client.setRequestHandler('roots/list', () => ({
    roots: roots().map((path) => ({ uri: pathToFileURL(path).href })),
  }));
  return client;
}

async function allowed(server: Connected): Promise<string[]> {
  return dataOf<{ directories: string[] }>(await server.call('list_allowed_directories')).directories;
}

describe('the filesystem server with MCP roots from the client', () => {
  let f: FsFixture;
  let server: Connected | undefined;
  beforeEach(async () => {
    f = await makeFixture();
  });
  afterEach(async () => {
    await server?.close();
    await f.dispose();
  });

  it('narrows the configured roots to the client roots inside them, and follows list_changed', async () => {
    let offered = [join(f.root, 'sub')];
    server = await connect(
      { roots: [f.root] },
      rootsClient(() => offered),
    );
    await vi.waitFor(async () => expect(await allowed(server!)).toEqual([join(f.root, 'sub')]));
    expect((await server.call('read_text_file', { path: join(f.root, 'inside.txt') })).isError).toBe(true);
    expect(dataOf(await server.call('read_text_file', { path: 'a.txt' }))).toMatchObject({
      content: 'alpha',
    });

    offered = [f.outside, f.root];
    await server.client.sendRootsListChanged();
    // The outside root is not within the configured one, so only the configured root remains.
    await vi.waitFor(async () => expect(await allowed(server!)).toEqual([f.root]));
  });

  it('never widens configured roots: a client root outside them allows nothing', async () => {
    server = await connect(
      { roots: [f.root] },
      rootsClient(() => [f.evil]),
    );
    await vi.waitFor(async () => expect(await allowed(server!)).toEqual([]));
    expect((await server.call('read_text_file', { path: join(f.evil, 'evil.txt') })).isError).toBe(true);
  });

  it('uses the client roots when none are configured', async () => {
    server = await connect(
      { roots: [] },
      rootsClient(() => [f.outside]),
    );
    await vi.waitFor(async () => expect(await allowed(server!)).toEqual([f.outside]));
    expect(dataOf(await server.call('read_text_file', { path: 'nested/n.txt' }))).toMatchObject({
      content: expect.stringContaining('nested'),
    });
  });

  it('keeps the configured roots for a client without the roots capability', async () => {
    server = await connect({ roots: [f.root] });
    expect(await allowed(server)).toEqual([f.root]);
  });
});
