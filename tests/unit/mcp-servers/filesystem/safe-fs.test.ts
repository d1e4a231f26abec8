import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedError, PathGuard } from '../../../../mcp-servers/filesystem/path-guard.js';
import { atomicWrite, readLimited, readWindow } from '../../../../mcp-servers/filesystem/safe-fs.js';

// The check-then-use race, made deterministic: the guard checks a path, then the test swaps a
// directory on it for a symlink to outside (the "hook" between check and use), then the use runs.
describe('safe-fs against a symlink swapped in after the check', () => {
  let base: string;
  let root: string;
  let guard: PathGuard;
  beforeEach(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'sy-safe-')));
    root = join(base, 'root');
    await mkdir(join(root, 'dir'), { recursive: true });
    await mkdir(join(base, 'outside'));
    await writeFile(join(root, 'dir', 'f.txt'), 'inside');
    await writeFile(join(base, 'outside', 'f.txt'), 'SECRET');
    guard = new PathGuard([root]);
  });
  afterEach(async () => rm(base, { recursive: true, force: true }));

  async function swapDirForLink(): Promise<void> {
    await rename(join(root, 'dir'), join(root, 'dir-moved'));
    await symlink(join(base, 'outside'), join(root, 'dir'));
  }

  it('reads the checked file', async () => {
    const { real } = await guard.resolve('dir/f.txt', 'existing');
    expect((await readLimited(guard, real, 'dir/f.txt', 100)).toString()).toBe('inside');
  });

  it('refuses to read when a parent directory became a symlink after the check', async () => {
    const { real } = await guard.resolve('dir/f.txt', 'existing');
    await swapDirForLink();
    await expect(readLimited(guard, real, 'dir/f.txt', 100)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('refuses to read when the file itself became a symlink after the check (O_NOFOLLOW)', async () => {
    const { real } = await guard.resolve('dir/f.txt', 'existing');
    await rm(real);
    await symlink(join(base, 'outside', 'f.txt'), real);
    await expect(readLimited(guard, real, 'dir/f.txt', 100)).rejects.toThrow(/symbolic link/);
  });

  it('refuses to write when the directory became a symlink after the check, leaving outside untouched', async () => {
    const { real } = await guard.resolve('dir/f.txt', 'create');
    await swapDirForLink();
    await expect(atomicWrite(guard, real, 'dir/f.txt', 'pwned', 100)).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
    expect(await readFile(join(base, 'outside', 'f.txt'), 'utf8')).toBe('SECRET');
    expect(await readdir(join(base, 'outside'))).toEqual(['f.txt']);
  });

  it('writes atomically over a symlink at the destination, replacing the link, not its target', async () => {
    await symlink(join(root, 'dir', 'f.txt'), join(root, 'alias'));
    await atomicWrite(guard, join(root, 'alias'), 'alias', 'new', 100);
    expect(await readFile(join(root, 'dir', 'f.txt'), 'utf8')).toBe('inside');
    expect(await readFile(join(root, 'alias'), 'utf8')).toBe('new');
    expect((await readdir(root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses reads and writes over the size limit with a message saying what to do', async () => {
    const { real } = await guard.resolve('dir/f.txt', 'existing');
    await expect(readLimited(guard, real, 'dir/f.txt', 3)).rejects.toThrow(/3-byte limit.*head or tail/);
    await expect(atomicWrite(guard, real, 'dir/f.txt', 'toolong', 3)).rejects.toThrow(
      /3-byte limit for one write/,
    );
    expect(await readFile(real, 'utf8')).toBe('inside');
  });

  it('reads a bounded window from the end', async () => {
    const { real } = await guard.resolve('dir/f.txt', 'existing');
    expect(await readWindow(guard, real, 'dir/f.txt', 3, 'end')).toEqual({
      data: Buffer.from('ide'),
      truncated: true,
    });
  });
});

describe('atomicWrite', () => {
  it('keeps the permissions of the file it replaces', async () => {
    const { chmod, stat } = await import('node:fs/promises');
    const base = await realpath(await mkdtemp(join(tmpdir(), 'sy-mode-')));
    const file = join(base, 'script.sh');
    await writeFile(file, 'old');
    await chmod(file, 0o750);
    await atomicWrite(new PathGuard([base]), file, 'script.sh', 'new', 100);
    expect((await stat(file)).mode & 0o777).toBe(0o750);
    expect(await readFile(file, 'utf8')).toBe('new');
    await rm(base, { recursive: true, force: true });
  });
});
