import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  isWithin,
  MAX_PATH_LENGTH,
  PathGuard,
  resolveConfiguredRoots,
} from '../../../../mcp-servers/filesystem/path-guard.js';
import { ConfigError, ValidationError } from '../../../../core/errors.js';

describe('isWithin', () => {
  it.each([
    ['/data', '/data', true],
    ['/data/a/b', '/data', true],
    ['/data-evil', '/data', false],
    ['/data-evil/x', '/data', false],
    ['/dat', '/data', false],
    ['/data/..foo', '/data', true],
    ['/', '/data', false],
    ['/anything', '/', true],
  ])('%s inside %s is %s', (child, parent, expected) => {
    expect(isWithin(child, parent)).toBe(expected);
  });
});

describe('PathGuard', () => {
  let base: string;
  let root: string;
  let guard: PathGuard;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'sy-guard-')));
    root = join(base, 'root');
    await mkdir(join(root, 'sub'), { recursive: true });
    await mkdir(join(base, 'root-evil'));
    await mkdir(join(base, 'outside'));
    await writeFile(join(root, 'f.txt'), 'x');
    await writeFile(join(base, 'outside', 's.txt'), 's');
    await symlink(join(base, 'outside'), join(root, 'out'));
    await symlink(join(root, 'f.txt'), join(root, 'in'));
    await symlink(join(base, 'outside', 'missing'), join(root, 'dangling'));
    guard = new PathGuard(resolveConfiguredRoots([root]));
  });
  afterAll(async () => rm(base, { recursive: true, force: true }));

  it('resolves relative paths from the first root and absolute paths as given', async () => {
    expect((await guard.resolve('f.txt', 'existing')).real).toBe(join(root, 'f.txt'));
    expect((await guard.resolve(join(root, 'f.txt'), 'existing')).real).toBe(join(root, 'f.txt'));
    expect((await guard.resolve('sub/../f.txt', 'existing')).real).toBe(join(root, 'f.txt'));
  });

  it('follows a symlink that stays inside the root', async () => {
    expect((await guard.resolve('in', 'existing')).real).toBe(join(root, 'f.txt'));
  });

  it.each([['../outside/s.txt'], ['out/s.txt'], ['out'], ['../root-evil'], ['/etc/passwd']])(
    'refuses %s',
    async (path) => {
      await expect(guard.resolve(path, 'existing')).rejects.toBeInstanceOf(AccessDeniedError);
    },
  );

  it('refuses a new file below a directory symlink that leaves the root', async () => {
    await expect(guard.resolve('out/new.txt', 'create')).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('refuses to create through a dangling symlink', async () => {
    await expect(guard.resolve('dangling', 'create')).rejects.toThrow(
      /symbolic link whose target does not exist/,
    );
    await expect(guard.resolve('dangling/x', 'create')).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('resolves a missing path through its nearest existing parent', async () => {
    expect((await guard.resolve('sub/new/deeper.txt', 'create')).real).toBe(
      join(root, 'sub', 'new', 'deeper.txt'),
    );
  });

  it('in entry mode keeps the last component unresolved, so a link is named, not followed', async () => {
    expect((await guard.resolve('out', 'entry')).real).toBe(join(root, 'out'));
    await expect(guard.resolve('out/s.txt', 'entry')).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('refuses NUL bytes, empty and over-long paths as invalid input', async () => {
    await expect(guard.resolve('f.txt\0', 'existing')).rejects.toBeInstanceOf(ValidationError);
    await expect(guard.resolve('', 'existing')).rejects.toBeInstanceOf(ValidationError);
    await expect(guard.resolve('a'.repeat(MAX_PATH_LENGTH + 1), 'existing')).rejects.toThrow(/longer than/);
  });

  it('does not decode percent-encoding: %2e%2e is a name inside the root', async () => {
    expect((await guard.resolve('%2e%2e/x', 'create')).real).toBe(join(root, '%2e%2e', 'x'));
  });

  it('treats a backslash as an ordinary character', async () => {
    expect((await guard.resolve('..\\outside', 'create')).real).toBe(join(root, '..\\outside'));
  });

  it('allows nothing when it has no roots', async () => {
    await expect(new PathGuard([]).resolve('/tmp', 'existing')).rejects.toThrow(/no directory is allowed/);
  });

  it('uses the new roots after setRoots', async () => {
    const moving = new PathGuard([root]);
    moving.setRoots([join(root, 'sub')]);
    await expect(moving.resolve(join(root, 'f.txt'), 'existing')).rejects.toBeInstanceOf(AccessDeniedError);
  });
});

describe('resolveConfiguredRoots', () => {
  it('rejects a missing root, a file and a NUL byte with a ConfigError', async () => {
    const base = await realpath(await mkdtemp(join(tmpdir(), 'sy-roots-')));
    await writeFile(join(base, 'file'), 'x');
    expect(() => resolveConfiguredRoots([join(base, 'missing')])).toThrow(ConfigError);
    expect(() => resolveConfiguredRoots([join(base, 'file')])).toThrow(/not a directory/);
    expect(() => resolveConfiguredRoots(['/tmp\0'])).toThrow(ConfigError);
    await symlink(base, join(base, 'alias'));
    expect(resolveConfiguredRoots([join(base, 'alias'), base])).toEqual([base]);
    await rm(base, { recursive: true, force: true });
  });
});
