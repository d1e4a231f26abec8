import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpServer, SWITCHYARD_CLI } from '../../support/mcp-server-process.js';

const TSX = import.meta.resolve('tsx');

describe('switchyard server filesystem', () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'switchyard-server-fs-')));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function switchyard(args: string[], env: Record<string, string> = {}) {
    return spawnSync(process.execPath, ['--import', TSX, SWITCHYARD_CLI, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, SWITCHYARD_HOME: join(dir, 'home'), ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  it('refuses to serve HTTP without configured roots, with a configuration error saying why', () => {
    const { status, stdout, stderr } = switchyard(['server', 'filesystem', '--http', '0']);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('the filesystem server over --http needs allowed directories');
    expect(stderr).toContain('any HTTP client could declare / as its root');
  });

  it('serves HTTP with roots from the environment', async () => {
    const root = join(dir, 'docs');
    mkdirSync(root);
    const server = await startHttpServer('filesystem', { env: () => ({ SWITCHYARD_FS_ROOTS: root }) });
    try {
      const result = await server.client.callTool({ name: 'list_allowed_directories', arguments: {} });
      expect(result.structuredContent).toEqual({ directories: [root] });
    } finally {
      await server.stop();
    }
  });

  it('refuses at start a root that is SWITCHYARD_HOME, naming it', () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    const { status, stderr } = switchyard(['server', 'filesystem', home]);
    expect(status).toBe(2);
    expect(stderr).toContain(`filesystem root '${home}' contains SWITCHYARD_HOME`);
  });
});
