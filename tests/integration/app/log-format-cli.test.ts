import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Three CLI processes, each migrating an embedded PGlite database: minutes on a loaded machine.
describe('switchyard logs', () => {
  it('follow SWITCHYARD_LOG_FORMAT, and writes JSON lines when stderr is not a terminal', () => {
    const home = mkdtempSync(join(tmpdir(), 'switchyard-logs-'));
    try {
      const run = (env: Record<string, string>) =>
        spawnSync(process.execPath, ['--import', 'tsx', 'app/cli.ts', 'migrate'], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', SWITCHYARD_HOME: join(home, 'h'), ...env },
        });
      const piped = run({});
      expect(piped.status, piped.stderr).toBe(0);
      expect(piped.stderr.trim().split('\n')[0]).toMatch(/^\{".*"msg":"migration applied"/);
      const pretty = run({ SWITCHYARD_HOME: join(home, 'h2'), SWITCHYARD_LOG_FORMAT: 'pretty' });
      expect(pretty.status, pretty.stderr).toBe(0);
      expect(pretty.stderr).toMatch(/INFO: migration applied\n {4}version: 1\n/);
      expect(pretty.stderr).not.toMatch(/^\{/m);
      const wrong = run({ SWITCHYARD_LOG_FORMAT: 'xml' });
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toMatch(/SWITCHYARD_LOG_FORMAT/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 180_000);
});
