import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../app/config/load-config.js';
import { ConfigError } from '../../../../core/errors.js';

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

  it('fills defaults when there is no file and no environment', () => {
    const { config, file } = loadConfig({ cwd: dir, env: {} });
    expect(file).toBeNull();
    expect(config.vector.backend).toBe('pgvector');
    expect(config.database).toEqual({
      schema: 'public',
      preparedStatements: true,
      retryForMs: 120_000,
      pgliteSharedBuffers: '16MB',
    });
    expect(config.embeddings.provider).toBe('local');
    expect(config.home).toMatch(/\.switchyard$/);
  });

  it('reads a JSON file and resolves home against the working directory', () => {
    write(
      'switchyard.config.json',
      JSON.stringify({ home: 'data', vector: { backend: 'faiss', faiss: { index: 'hnsw' } } }),
    );
    const { config, file } = loadConfig({ cwd: dir, env: {} });
    expect(file).toBe(join(dir, 'switchyard.config.json'));
    expect(config.home).toBe(join(dir, 'data'));
    expect(config.vector.faiss).toEqual({ index: 'hnsw' });
  });

  it('reads a YAML file', () => {
    write(
      'switchyard.config.yaml',
      'vector:\n  backend: chroma\n  chroma:\n    url: http://127.0.0.1:8000\n',
    );
    expect(loadConfig({ cwd: dir, env: {} }).config.vector.chroma.url).toBe('http://127.0.0.1:8000');
  });

  it('lets the environment override the file', () => {
    write(
      'switchyard.config.json',
      JSON.stringify({ vector: { backend: 'faiss' }, database: { schema: 'app' } }),
    );
    const { config } = loadConfig({
      cwd: dir,
      env: {
        SWITCHYARD_VECTOR_BACKEND: 'memory',
        DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
        SWITCHYARD_PGVECTOR_EF_SEARCH: '200',
        SWITCHYARD_HOME: '/srv/switchyard',
        SWITCHYARD_DB_PREPARED_STATEMENTS: 'false',
        SWITCHYARD_DB_RETRY_MS: '5000',
        SWITCHYARD_PGLITE_SHARED_BUFFERS: '32MB',
      },
    });
    expect(config.vector.backend).toBe('memory');
    expect(config.database).toEqual({
      url: 'postgres://u@127.0.0.1:5432/db',
      schema: 'app',
      preparedStatements: false,
      retryForMs: 5_000,
      pgliteSharedBuffers: '32MB',
    });
    expect(config.vector.pgvector.efSearch).toBe(200);
    expect(config.home).toBe('/srv/switchyard');
  });

  it("reads the servers' settings: filesystem roots as a path list, GitHub access", () => {
    const { config } = loadConfig({
      cwd: dir,
      env: {
        SWITCHYARD_FS_ROOTS: '/srv/a::/srv/b',
        GITHUB_TOKEN: 'ghp_x',
        GITHUB_API_URL: 'https://ghe.local/api/v3',
      },
    });
    expect(config.filesystem.roots).toEqual(['/srv/a', '/srv/b']);
    expect(config.github).toEqual({
      token: 'ghp_x',
      apiUrl: 'https://ghe.local/api/v3',
      rateLimitWaitMs: 30_000,
    });
    expect(loadConfig({ cwd: dir, env: {} }).config.github.apiUrl).toBe('https://api.github.com');
  });

  it('names the file, the path of the bad field and what was expected', () => {
    write(
      'switchyard.config.json',
      JSON.stringify({ vector: { backend: 'milvus', pgvector: { efSearch: 'many' } } }),
    );
    let error: unknown;
    try {
      loadConfig({ cwd: dir, env: {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(`${join(dir, 'switchyard.config.json')}: vector.backend`);
    expect(message).toMatch(/vector\.backend: .*expected one of .*"pgvector"/);
    expect(message).toMatch(/vector\.pgvector\.efSearch: .*expected number/);
  });

  it('reports an unknown key instead of ignoring it', () => {
    write('switchyard.config.json', JSON.stringify({ vectors: {} }));
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/vectors/);
  });

  it('names the environment variable that holds a bad value', () => {
    expect(() => loadConfig({ cwd: dir, env: { DATABASE_URL: 'not a url' } })).toThrow(
      /environment variable DATABASE_URL \(database\.url\)/,
    );
    expect(() => loadConfig({ cwd: dir, env: { SWITCHYARD_PGVECTOR_EF_SEARCH: 'lots' } })).toThrow(
      /SWITCHYARD_PGVECTOR_EF_SEARCH/,
    );
  });

  it('reports a file that is not valid JSON or YAML with the parser message', () => {
    write('switchyard.config.json', '{"vector": ');
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/is not valid JSON/);
    rmSync(join(dir, 'switchyard.config.json'));
    write('switchyard.config.yaml', 'vector: [unclosed');
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/is not valid YAML/);
  });

  it('refuses two config files, and a missing explicit one', () => {
    write('switchyard.config.json', '{}');
    write('switchyard.config.yaml', '{}');
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/several config files/);
    expect(() => loadConfig({ cwd: dir, env: { SWITCHYARD_CONFIG: 'nope.json' } })).toThrow(/does not exist/);
  });
});
