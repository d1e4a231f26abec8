import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertRootsClear,
  type ProtectedPath,
  resolveProtectedDirectories,
  rootConflict,
  withoutProtected,
} from '../../../../mcp-servers/filesystem/protected-directories.js';
import { ConfigError } from '../../../../core/errors.js';
import { captureLogger } from '../../../support/capture-logger.js';

/**
 * A temporary layout (real paths):
 *   base/srv/app/switchyard.config.json   the config file
 *   base/home/                            SWITCHYARD_HOME, with data/ inside
 *   base/docs/                            an unrelated directory
 *   base/srv/app-docs/                    a sibling whose name starts with the config's directory
 *   base/home-link → base/home            a symlink to the home
 */
describe('protected directories of the filesystem server', () => {
  let base: string;
  let configFile: string;
  let home: string;
  let guarded: ProtectedPath[];

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'sy-protected-')));
    home = join(base, 'home');
    configFile = join(base, 'srv', 'app', 'switchyard.config.json');
    await mkdir(join(base, 'srv', 'app'), { recursive: true });
    await mkdir(join(base, 'srv', 'app-docs'));
    await mkdir(join(home, 'data'), { recursive: true });
    await mkdir(join(base, 'docs'));
    await writeFile(configFile, '{}');
    await symlink(home, join(base, 'home-link'));
    guarded = resolveProtectedDirectories({ home, configFile });
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it("refuses a root that contains the config file's directory", () => {
    expect(rootConflict(join(base, 'srv'), guarded)).toMatch(/contains the configuration file's directory/);
    expect(rootConflict(join(base, 'srv', 'app'), guarded)).toMatch(/configuration file's directory/);
    expect(rootConflict(base, guarded)).toBeDefined();
  });

  it('refuses a root that is the home, contains it or lies inside it', () => {
    expect(rootConflict(home, guarded)).toMatch(/contains SWITCHYARD_HOME/);
    expect(rootConflict(join(home, 'data'), guarded)).toMatch(/lies inside SWITCHYARD_HOME/);
  });

  it('allows an unrelated root, a root inside the config directory and a sibling sharing a name prefix', () => {
    expect(rootConflict(join(base, 'docs'), guarded)).toBeUndefined();
    expect(rootConflict(join(base, 'srv', 'app', 'notes'), guarded)).toBeUndefined();
    expect(rootConflict(join(base, 'srv', 'app-docs'), guarded)).toBeUndefined();
  });

  it('compares real paths: a home given through a symlink, or not created yet, is still protected', async () => {
    const viaLink = resolveProtectedDirectories({ home: join(base, 'home-link') });
    expect(rootConflict(home, viaLink)).toMatch(/SWITCHYARD_HOME/);
    const future = resolveProtectedDirectories({ home: join(base, 'home-link', 'later', 'deeper') });
    expect(rootConflict(join(home, 'later'), future)).toMatch(/contains SWITCHYARD_HOME/);
    expect(rootConflict(join(home, 'later', 'deeper', 'x'), future)).toMatch(/lies inside/);
  });

  it('protects the directory of the file a symlinked config file points to', async () => {
    const link = join(base, 'docs', 'switchyard.config.json');
    await symlink(configFile, link);
    try {
      const viaLink = resolveProtectedDirectories({ configFile: link });
      expect(rootConflict(join(base, 'srv'), viaLink)).toMatch(/configuration file's directory/);
    } finally {
      await rm(link);
    }
  });

  it('fails at start with a ConfigError naming the root and what it contains', () => {
    expect(() => assertRootsClear([join(base, 'docs')], guarded)).not.toThrow();
    expect(() => assertRootsClear([join(base, 'docs'), join(base, 'srv')], guarded)).toThrow(ConfigError);
    expect(() => assertRootsClear([join(base, 'srv')], guarded)).toThrow(
      `filesystem root '${join(base, 'srv')}' contains the configuration file's directory (${join(base, 'srv', 'app')})`,
    );
  });

  it('drops client roots that expose a protected directory, with a warning, and keeps the rest', () => {
    const { logger, lines } = captureLogger();
    const kept = withoutProtected([base, join(base, 'docs'), join(home, 'data')], guarded, logger);
    expect(kept).toEqual([join(base, 'docs')]);
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings.map((line) => line.root)).toEqual([base, join(home, 'data')]);
  });

  it('protects nothing when it is given nothing', () => {
    expect(resolveProtectedDirectories({ configFile: null })).toEqual([]);
    expect(rootConflict('/', [])).toBeUndefined();
  });
});
