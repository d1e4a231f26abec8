import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Resolved from the project, since the CLI runs in a temporary working directory.
const TSX = import.meta.resolve('tsx');
const CLI = join(import.meta.dirname, '../../../app/cli.ts');

/** Runs the CLI from source as a user would run the built one. */
function switchyard(args: string[], env: Record<string, string>, cwd: string) {
  const result = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the switchyard command', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('doctor round-trips through the embedded stores and reports each check', () => {
    const { status, stdout, stderr } = switchyard(['doctor'], { SWITCHYARD_HOME: join(dir, 'home') }, dir);
    expect(status, stderr).toBe(0);
    expect(stdout).toMatch(/sql\s+ok\s+PGlite in .*home\/pgdata, schema public, migration \d+/);
    expect(stdout).toMatch(/vector: pgvector\s+ok\s+round trip .*\(configured backend\)/);
    expect(stdout).toMatch(/vector: faiss\s+ok/);
    expect(stdout).toMatch(/vector: chroma\s+not configured\s+set CHROMA_URL/);
    expect(stdout).toMatch(/embeddings: local\/lexical-v1\s+ok\s+384 dimensions/);
    // Logs are JSON on stderr, never on stdout.
    for (const line of stderr.trim().split('\n').filter(Boolean))
      expect(() => JSON.parse(line)).not.toThrow();
  });

  it('doctor fails when the configured backend cannot be reached, saying why', () => {
    const { status, stdout } = switchyard(
      ['doctor'],
      {
        SWITCHYARD_HOME: join(dir, 'home'),
        SWITCHYARD_VECTOR_BACKEND: 'chroma',
        CHROMA_URL: 'http://127.0.0.1:9',
      },
      dir,
    );
    expect(status).toBe(1);
    expect(stdout).toMatch(/vector: chroma\s+failed\s+.*127\.0\.0\.1:9/);
  });

  it('rejects an invalid config file with exit code 2, naming the file and field', () => {
    writeFileSync(join(dir, 'switchyard.config.yaml'), 'vector:\n  faiss:\n    index: ivf\n');
    const { status, stderr, stdout } = switchyard(['doctor'], {}, dir);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${join(dir, 'switchyard.config.yaml')}: vector.faiss.index`);
  });

  it('config prints the resolved configuration with secrets redacted', () => {
    const { status, stdout } = switchyard(
      ['config'],
      { DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:5432/app', OPENAI_API_KEY: 'sk-secret' },
      dir,
    );
    expect(status).toBe(0);
    const { config } = JSON.parse(stdout);
    expect(config.database.url).toBe('postgres://app:***@127.0.0.1:5432/app');
    expect(config.embeddings.apiKey).toBe('***');
    expect(stdout).not.toContain('hunter2');
    expect(stdout).not.toContain('sk-secret');
  });
});
