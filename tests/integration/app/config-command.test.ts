import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Resolved from the project, since the CLI runs in a temporary working directory.
const TSX = import.meta.resolve('tsx');
const CLI = join(import.meta.dirname, '../../../app/cli.ts');

const API_KEY = 'a3f1c9e07b2d4c5e8f60a1b2c3d4e5f6';
const GITHUB_TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';
const DB_PASSWORD = 'pg-pass-7e1d2c';
const ENV_SECRET = 'upstream-env-value-93ab';
const HEADER_SECRET = 'upstream-header-value-5c2f';

describe('switchyard config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-config-command-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function switchyardConfig() {
    writeFileSync(
      join(dir, 'switchyard.config.json'),
      JSON.stringify({
        mcpServers: {
          notes: { command: 'notes-server', args: ['--verbose'], env: { NOTES_TOKEN: ENV_SECRET } },
          remote: { url: 'https://mcp.example.com/mcp', headers: { 'X-Api-Key': HEADER_SECRET } },
        },
      }),
    );
    const result = spawnSync(process.execPath, ['--import', TSX, CLI, 'config'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        SWITCHYARD_API_KEYS: `ops:${API_KEY}:read+admin`,
        GITHUB_TOKEN,
        DATABASE_URL: `postgres://app:${DB_PASSWORD}@127.0.0.1:5432/app`,
        SWITCHYARD_API_PORT: '7411',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('prints no API key, GitHub token, database password or upstream env and header value', () => {
    const { status, stdout, stderr } = switchyardConfig();
    expect(status, stderr).toBe(0);
    for (const secret of [API_KEY, GITHUB_TOKEN, DB_PASSWORD, ENV_SECRET, HEADER_SECRET])
      expect(stdout).not.toContain(secret);
  });

  it('still prints the fields that are not secret, and which secrets are set', () => {
    const { stdout } = switchyardConfig();
    const { file, config } = JSON.parse(stdout);
    expect(file).toBe(join(dir, 'switchyard.config.json'));
    expect(config.api.port).toBe(7411);
    expect(config.api.keys).toEqual([{ name: 'ops', key: '***', scopes: ['read', 'admin'] }]);
    expect(config.github).toMatchObject({ token: '***', apiUrl: 'https://api.github.com' });
    expect(config.database.url).toBe('postgres://app:***@127.0.0.1:5432/app');
    expect(config.mcpServers.notes).toEqual({
      command: 'notes-server',
      args: ['--verbose'],
      env: { NOTES_TOKEN: '***' },
    });
    expect(config.mcpServers.remote).toEqual({
      url: 'https://mcp.example.com/mcp',
      headers: { 'X-Api-Key': '***' },
    });
  });
});
