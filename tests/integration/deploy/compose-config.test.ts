import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_BINDINGS } from '../../../app/config/environment.js';

/**
 * The local cluster (docker-compose.yml, Dockerfile). No Docker engine runs on the development
 * machine, so nothing is started: `docker-compose config` (Debian's docker-compose 1.29, which
 * validates the file against the Compose Specification) must accept the file, and its normalized
 * output must define the cluster. Without docker-compose those cases are skipped with the reason.
 */
const ROOT = resolve(import.meta.dirname, '../../..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const run = promisify(execFile);

const composeInstalled = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const SKIP_REASON =
  "docker-compose is not installed (apt-get install -y docker-compose; the 'docker compose' plugin is not used)";

interface ComposeService {
  image?: string;
  build?: { context: string } | string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: unknown[];
  volumes?: (string | { source?: string; target?: string })[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
}
interface ComposeConfig {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** `docker-compose -f docker-compose.yml config` from the repository root, with `env` on top. */
async function composeConfig(env: Record<string, string | undefined> = {}) {
  const merged = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
  return run('docker-compose', ['-f', COMPOSE_FILE, 'config'], { cwd: ROOT, env: merged });
}

describe('docker-compose.yml', () => {
  if (!composeInstalled) {
    it('is accepted by docker-compose config', (ctx) => {
      // stderr too: the default reporter shows it even when every case of the file is skipped.
      console.warn(`compose-config skipped: ${SKIP_REASON}`);
      ctx.skip(SKIP_REASON);
    });
    return;
  }

  // The secrets the file requires, as `openssl rand -hex 24` makes them (distinct, to tell them apart).
  const SECRETS = {
    POSTGRES_PASSWORD: '5f0c1e9a7d3b2c4e6a8f0b1d3c5e7a9b2d4f6a8c0e1b3d5f',
    REDIS_PASSWORD: 'c2e4a6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8',
    SWITCHYARD_API_KEYS: 'compose-test:9d1b3f5a7c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a5c7e:read+call',
  };
  let config: ComposeConfig;

  beforeAll(async () => {
    const { stdout } = await composeConfig(SECRETS);
    config = parseYaml(stdout.replaceAll('$$', '$')) as ComposeConfig;
  });

  it('is accepted by docker-compose config with the three secrets set', async () => {
    // execFile rejects on a non-zero exit, with docker-compose's message on stderr.
    const result = await composeConfig(SECRETS);
    expect(result.stdout).toContain('services:');
  });

  it.each(Object.keys(SECRETS))('refuses to start without %s, naming it', async (name) => {
    // Unset and empty alike: `${NAME:?…}` refuses both, so an empty password is no default either.
    for (const value of [undefined, '']) {
      const failure = await composeConfig({ ...SECRETS, [name]: value }).then(
        () => undefined,
        (error: { stderr?: string }) => error,
      );
      expect(failure, `${name}=${String(value)}`).toBeDefined();
      expect(failure!.stderr).toContain(`set ${name}`);
    }
  });

  it('publishes the bridge on the loopback address of the host unless SWITCHYARD_BIND says otherwise', async () => {
    expect(config.services.bridge!.ports).toEqual(['127.0.0.1:7400:7400/tcp']);
    const { stdout } = await composeConfig({
      ...SECRETS,
      SWITCHYARD_BIND: '0.0.0.0',
      SWITCHYARD_PORT: '8400',
    });
    const published = parseYaml(stdout.replaceAll('$$', '$')) as ComposeConfig;
    expect(published.services.bridge!.ports).toEqual(['0.0.0.0:8400:7400/tcp']);
  });

  it('runs Redis with a password, given on stdin, that the clients and the health check use', () => {
    const redis = config.services.redis!;
    const script = (redis.entrypoint ?? []).join(' ');
    expect(script).toMatch(/redis-server .*-\s*<<EOF\s+requirepass \$REDIS_PASSWORD\s+EOF/);
    // The password itself is in no command line, only in the environment.
    expect(script).not.toContain(SECRETS.REDIS_PASSWORD);
    expect(redis.environment).toMatchObject({
      REDIS_PASSWORD: SECRETS.REDIS_PASSWORD,
      REDISCLI_AUTH: SECRETS.REDIS_PASSWORD,
    });
    expect(redis.healthcheck!.test.join(' ')).not.toContain(SECRETS.REDIS_PASSWORD);
  });

  it('defines the services of the cluster', () => {
    expect(Object.keys(config.services).sort()).toEqual(
      ['bridge', 'chroma', 'postgres', 'qdrant', 'redis', 'worker'].sort(),
    );
    expect(config.services.postgres!.image).toMatch(/^pgvector\/pgvector:/);
    expect(config.services.redis!.image).toMatch(/^redis:/);
    expect(config.services.qdrant!.image).toMatch(/^qdrant\/qdrant:/);
    expect(config.services.chroma!.image).toMatch(/^chromadb\/chroma:/);
  });

  it('gives every service a health check', () => {
    for (const [name, service] of Object.entries(config.services)) {
      if (name === 'worker') continue; // the workers serve nothing; nothing waits on them
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
    }
    expect(config.services.redis!.healthcheck!.test).toEqual(['CMD-SHELL', 'redis-cli ping | grep -q PONG']);
    expect(config.services.postgres!.healthcheck!.test.join(' ')).toContain('pg_isready');
    expect(config.services.qdrant!.healthcheck!.test.join(' ')).toContain('/readyz');
    expect(config.services.chroma!.healthcheck!.test.join(' ')).toContain('/api/v2/heartbeat');
    expect(config.services.bridge!.healthcheck!.test.join(' ')).toContain('/health');
  });

  it('starts the bridge after its stores are healthy, and the workers after the bridge', () => {
    const bridge = config.services.bridge!;
    expect(bridge.depends_on).toEqual({
      redis: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
      qdrant: { condition: 'service_healthy' },
      chroma: { condition: 'service_healthy' },
    });
    expect(config.services.worker!.depends_on).toEqual({
      bridge: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
    });
  });

  it('runs one bridge on port 7400 and replicated workers from the same image', () => {
    const { bridge, worker } = config.services;
    expect(bridge!.build).toBeDefined();
    expect(bridge!.command).toEqual(['start']);
    expect(JSON.stringify(bridge!.ports)).toContain('7400');
    expect(worker!.image).toBe(bridge!.image);
    expect(worker!.command?.[0]).toBe('worker');
    expect(worker!.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(worker!.ports).toBeUndefined(); // --scale worker=N would collide on a published port
  });

  it('configures the bridge and the workers with the environment variables the config loader reads', () => {
    const known = new Set(ENV_BINDINGS.map((binding) => binding.name));
    for (const name of ['bridge', 'worker']) {
      const environment = config.services[name]!.environment ?? {};
      for (const variable of Object.keys(environment))
        expect(known, `${name}: ${variable}`).toContain(variable);
      expect(environment.DATABASE_URL).toBe(
        `postgres://switchyard:${SECRETS.POSTGRES_PASSWORD}@postgres:5432/switchyard`,
      );
      expect(environment.REDIS_URL).toBe(`redis://:${SECRETS.REDIS_PASSWORD}@redis:6379`);
      expect(environment.QDRANT_URL).toBe('http://qdrant:6333');
      expect(environment.CHROMA_URL).toBe('http://chroma:8000');
      expect(environment.SWITCHYARD_VECTOR_BACKEND).toBe('pgvector');
    }
    const bridge = config.services.bridge!.environment!;
    expect(bridge.SWITCHYARD_API_HOST).toBe('0.0.0.0');
    expect(bridge.SWITCHYARD_API_KEYS).toBe(SECRETS.SWITCHYARD_API_KEYS);
    // Clients name the bridge localhost:7400, which the API must accept from behind 0.0.0.0.
    expect(bridge.SWITCHYARD_API_ALLOWED_HOSTS).toBe('localhost');
    expect(config.services.postgres!.environment!.POSTGRES_PASSWORD).toBe(SECRETS.POSTGRES_PASSWORD);
  });

  it('keeps state in named volumes', () => {
    const named = Object.keys(config.volumes ?? {});
    for (const name of ['redis', 'postgres', 'qdrant', 'chroma', 'bridge']) {
      const volumes = config.services[name]!.volumes ?? [];
      const sources = volumes.map((volume) =>
        typeof volume === 'string' ? volume.split(':')[0] : volume.source,
      );
      expect(
        sources.some((source) => source !== undefined && named.includes(source)),
        name,
      ).toBe(true);
    }
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  // Instructions with their continuation lines joined, comments dropped.
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const froms = instructions.filter((line) => /^FROM\s/i.test(line));

  it('is multi-stage: a Node 20 build stage and a slim Node 20 runtime stage', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[0]).toMatch(/^FROM node:20-bookworm AS build$/i);
    expect(froms.at(-1)).toMatch(/^FROM node:20-bookworm-slim\b/i);
    expect(instructions.some((line) => /^COPY --from=build\b/i.test(line))).toBe(true);
  });

  it('builds the FAISS addon as the set-up does, compiles TypeScript and drops devDependencies', () => {
    const runs = instructions.filter((line) => /^RUN\s/i.test(line)).join('\n');
    expect(runs).toContain('libfaiss-dev');
    expect(runs).toContain('npm ci');
    expect(runs).toContain('bash scripts/build-faiss.sh');
    expect(runs).toContain('npm run build');
    expect(runs).toContain('npm prune --omit=dev');
    expect(runs.indexOf('npm ci')).toBeLessThan(runs.indexOf('scripts/build-faiss.sh'));
  });

  it('runs the switchyard command line', () => {
    const entrypoint = instructions.find((line) => /^ENTRYPOINT\s/i.test(line));
    expect(entrypoint).toContain('dist/app/cli.js');
  });

  it('copies only files that exist from the build context', () => {
    for (const line of instructions.filter((l) => /^COPY\s/i.test(l) && !/--from=/i.test(l))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(existsSync(join(ROOT, source)), line).toBe(true);
    }
  });

  it('has a .dockerignore that keeps local builds and data out of the context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.git']) expect(ignored).toContain(entry);
  });
});
