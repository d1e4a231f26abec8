import { Client } from '@modelcontextprotocol/client';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connect, type Connected, dataOf, type FsFixture, makeFixture } from './fs-harness.js';

function rootsClient(roots: string[]): Client {
  const client = new Client(
    { name: 'roots-test', version: '1.0.0' },
    { capabilities: { roots: { listChanged: true } } },
  );
  client.setRequestHandler('roots/list', () => ({
    roots: roots.map((path) => ({ uri: pathToFileURL(path).href })),
  }));
  return client;
}

describe('the filesystem server with protected directories', () => {
  let f: FsFixture;
  let home: string;
  let server: Connected | undefined;
  beforeEach(async () => {
    f = await makeFixture();
    home = join(f.base, 'home');
    await mkdir(join(home, 'pgdata'), { recursive: true });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await f.dispose();
  });

  it('ignores client roots that contain the home or lie inside it, and uses the others', async () => {
    server = await connect(
      { roots: [], protectedDirectories: { home } },
      rootsClient([f.base, join(home, 'pgdata'), f.outside]),
    );
    await vi.waitFor(async () =>
      expect(dataOf(await server!.call('list_allowed_directories'))).toEqual({ directories: [f.outside] }),
    );
    const write = await server.call('write_file', { path: join(home, 'pgdata', 'x'), content: 'x' });
    expect(write.isError).toBe(true);
  });

  it('refuses at creation a configured root that contains the home', async () => {
    await expect(connect({ roots: [f.base], protectedDirectories: { home } })).rejects.toThrow(
      /contains SWITCHYARD_HOME/,
    );
  });
});
