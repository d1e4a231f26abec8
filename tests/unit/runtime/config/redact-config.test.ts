import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigSchema } from '../../../../app/config/config-schema.js';
import { loadConfig } from '../../../../app/config/load-config.js';
import { hideUrlPasswords, redactConfig } from '../../../../runtime/config/redact-config.js';
import { isSecret, secret } from '../../../../core/secret-fields.js';

// Each secret is distinct, so an assertion that it is absent cannot pass because of another.
const SECRETS = {
  apiKey: 'api-key-0123456789abcdef',
  github: 'ghp_githubtoken0123456789',
  qdrant: 'qdrant-api-key-secret',
  openai: 'sk-openai-embeddings-secret',
  model: 'sk-ant-model-key-secret',
  db: 'db-password-secret',
  redis: 'redis-password-secret',
  env: 'upstream-env-secret',
  header: 'Bearer upstream-header-secret',
  argUrl: 'arg-url-password-secret',
};

describe('redactConfig on the configuration schema', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-redact-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function loadWithEverySecret() {
    writeFileSync(
      join(dir, 'switchyard.config.json'),
      JSON.stringify({
        llm: {
          default: 'claude',
          models: { claude: { provider: 'anthropic', model: 'claude-sonnet-4-5', apiKey: SECRETS.model } },
        },
        mcpServers: {
          pg: {
            command: 'npx',
            args: ['server-postgres', `--url=postgres://app:${SECRETS.argUrl}@db/app`],
            env: { PGPASSWORD: SECRETS.env },
          },
          remote: { url: 'https://mcp.example.com/mcp', headers: { Authorization: SECRETS.header } },
        },
      }),
    );
    return loadConfig({
      cwd: dir,
      env: {
        SWITCHYARD_API_KEYS: `ci:${SECRETS.apiKey}:read+call`,
        GITHUB_TOKEN: SECRETS.github,
        QDRANT_API_KEY: SECRETS.qdrant,
        OPENAI_API_KEY: SECRETS.openai,
        DATABASE_URL: `postgres://app:${SECRETS.db}@127.0.0.1:5432/app`,
        REDIS_URL: `redis://:${SECRETS.redis}@127.0.0.1:6379`,
      },
    }).config;
  }

  it('hides every secret of the configuration, wherever it came from', () => {
    const text = JSON.stringify(redactConfig(ConfigSchema, loadWithEverySecret()));
    for (const [name, value] of Object.entries(SECRETS)) expect(text, name).not.toContain(value);
    expect(text).not.toContain('upstream-header-secret');
  });

  it('replaces each marked field by *** and keeps the fields around it', () => {
    const redacted = redactConfig(ConfigSchema, loadWithEverySecret());
    expect(redacted.api.keys).toEqual([{ name: 'ci', key: '***', scopes: ['read', 'call'] }]);
    expect(redacted.github).toMatchObject({ token: '***', apiUrl: 'https://api.github.com' });
    expect(redacted.vector.qdrant.apiKey).toBe('***');
    expect(redacted.embeddings).toMatchObject({ apiKey: '***', provider: 'local' });
    expect(redacted.llm.models.claude).toMatchObject({ apiKey: '***', model: 'claude-sonnet-4-5' });
  });

  it('hides URL passwords in any string, keeping the user, host and database', () => {
    const redacted = redactConfig(ConfigSchema, loadWithEverySecret());
    expect(redacted.database.url).toBe('postgres://app:***@127.0.0.1:5432/app');
    expect(redacted.redis.url).toBe('redis://:***@127.0.0.1:6379');
    expect(redacted.mcpServers.pg).toMatchObject({
      command: 'npx',
      args: ['server-postgres', '--url=postgres://app:***@db/app'],
    });
  });

  it('hides every env and header value of an upstream server, keeping their names', () => {
    const { mcpServers } = redactConfig(ConfigSchema, loadWithEverySecret());
    expect(mcpServers.pg).toMatchObject({ env: { PGPASSWORD: '***' } });
    expect(mcpServers.remote).toEqual({
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: '***' },
    });
  });

  it('leaves unset secrets unset and the configuration it was given unchanged', () => {
    const config = loadWithEverySecret();
    const before = structuredClone(config);
    redactConfig(ConfigSchema, config);
    expect(config).toEqual(before);
    const bare = redactConfig(ConfigSchema, loadConfig({ cwd: dir, env: {} }).config);
    expect(bare.github.token).toBeUndefined();
    expect(bare.api.keys).toEqual([]);
  });
});

describe('redactConfig on any schema', () => {
  it('follows the marks through optional, default, prefault, nullable, readonly, pipes, arrays and records', () => {
    const schema = z.object({
      plain: z.string(),
      top: secret(z.string()).optional(),
      nested: z
        .object({ deep: secret(z.string()).nullable().default('d'), open: z.string() })
        .prefault({ open: 'x' }),
      list: z.array(z.object({ key: secret(z.string()), name: z.string() })).readonly(),
      byName: z.record(z.string(), z.object({ token: secret(z.string()) })),
      piped: z.preprocess((v) => v, z.object({ password: secret(z.string()) })),
      wrapped: secret(z.string().min(1)).optional().default('w'),
    });
    const value = schema.parse({
      plain: 'shown',
      top: 's1',
      nested: { deep: 's2', open: 'shown' },
      list: [{ key: 's3', name: 'shown' }],
      byName: { a: { token: 's4' } },
      piped: { password: 's5' },
      wrapped: 's6',
    });
    expect(redactConfig(schema, value)).toEqual({
      plain: 'shown',
      top: '***',
      nested: { deep: '***', open: 'shown' },
      list: [{ key: '***', name: 'shown' }],
      byName: { a: { token: '***' } },
      piped: { password: '***' },
      wrapped: '***',
    });
  });

  it('marks only the schema given to secret(), not copies made from it', () => {
    const marked = secret(z.string());
    expect(isSecret(marked)).toBe(true);
    expect(isSecret(marked.optional())).toBe(false);
    expect(isSecret(z.string())).toBe(false);
  });
});

describe('hideUrlPasswords', () => {
  it('hides the password of a URL and of a URL inside a longer string', () => {
    expect(hideUrlPasswords('postgres://u:pw@h/db')).toBe('postgres://u:***@h/db');
    expect(hideUrlPasswords('redis://:pw@h')).toBe('redis://:***@h');
    expect(hideUrlPasswords('use amqp://u:pw@h:5672 then')).toBe('use amqp://u:***@h:5672 then');
  });

  it('hides a password that holds an @ whole', () => {
    expect(hideUrlPasswords('x postgres://u:p@ss@h/db')).toBe('x postgres://u:***@h/db');
  });

  it('leaves strings without a password alone', () => {
    for (const text of ['postgres://u@h/db', 'https://h/p?mail=a@b', 'a@b.c', 'name:key:read'])
      expect(hideUrlPasswords(text)).toBe(text);
  });
});
