import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Connected, connect, type FsFixture, makeFixture, SECRET } from './fs-harness.js';

// A PNG's first bytes: not UTF-8, so it must come back as a blob.
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff]);

describe('the filesystem server as file:// resources', () => {
  let fx: FsFixture;
  let fs: Connected;
  beforeEach(async () => {
    fx = await makeFixture();
    await writeFile(join(fx.root, 'pixel.png'), PNG);
    fs = await connect({ roots: [fx.root], maxReadBytes: 1024 });
  });
  afterEach(async () => {
    await fs.close();
    await fx.dispose();
  });

  const uri = (path: string) => pathToFileURL(path).href;

  it('reads a text file as text and a binary file as a base64 blob', async () => {
    const text = await fs.client.readResource({ uri: uri(join(fx.root, 'inside.txt')) });
    expect(text.contents).toEqual([
      {
        uri: uri(join(fx.root, 'inside.txt')),
        mimeType: 'text/plain',
        text: 'hello inside\nline 2\nline 3\n',
      },
    ]);
    const binary = await fs.client.readResource({ uri: uri(join(fx.root, 'pixel.png')) });
    expect(binary.contents[0]).toMatchObject({ mimeType: 'image/png', blob: PNG.toString('base64') });
  });

  it('lists the files directly inside the root, without symlinks', async () => {
    const { resources } = await fs.client.listResources();
    expect(resources.map((r) => r.name).sort()).toEqual(['inside.txt', 'pixel.png']);
    expect(resources.find((r) => r.name === 'pixel.png')?.mimeType).toBe('image/png');
  });

  it('refuses every way out of the root, and says nothing of what is outside', async () => {
    const attempts = [
      uri(join(fx.outside, 'secret.txt')),
      uri(join(fx.evil, 'evil.txt')),
      uri(join(fx.root, 'link-out')),
      uri(join(fx.root, 'chain1')),
      uri(join(fx.root, 'dirlink-out', 'secret.txt')),
      `file://${fx.root}/../outside/secret.txt`,
      `file://${fx.root}/%2e%2e/outside/secret.txt`,
      'file:///etc/passwd',
      'https://example.com/inside.txt',
    ];
    for (const attempt of attempts) {
      const error = await fs.client.readResource({ uri: attempt }).then(
        (result) => new Error(`read ${attempt}: ${JSON.stringify(result)}`),
        (refusal: unknown) => refusal,
      );
      expect(error, attempt).toBeInstanceOf(Error);
      expect(String(error), attempt).not.toContain(SECRET);
      if (attempt.startsWith('file:'))
        expect(String(error), attempt).toMatch(/outside the allowed|does not exist|not a file/);
    }
  });

  it('holds a resource read to the same size limit as the tools', async () => {
    await writeFile(join(fx.root, 'big.txt'), 'x'.repeat(2048));
    await expect(fs.client.readResource({ uri: uri(join(fx.root, 'big.txt')) })).rejects.toThrow(
      /2048 bytes, more than the 1024-byte limit/,
    );
  });

  it('completes paths inside the root only', async () => {
    const complete = (value: string) =>
      fs.client
        .complete({ ref: { type: 'ref/resource', uri: 'file://{+path}' }, argument: { name: 'path', value } })
        .then((r) => r.completion.values);
    expect(await complete(`${fx.root}/s`)).toEqual([`${fx.root}/sub/`]);
    expect(await complete(`${fx.root}/sub/`)).toEqual([`${fx.root}/sub/a.txt`]);
    expect(await complete(`${fx.outside}/`)).toEqual([]);
  });
});
