import { delimiter } from 'node:path';

/**
 * Environment variables and the config fields they set. The environment wins over the file,
 * so a deployment (compose, CI) can override a checked-in config.
 */
export interface EnvBinding {
  name: string;
  path: string[];
  /** How the string value becomes the field's value. */
  parse?: (value: string) => unknown;
  description: string;
}

const pathList = (value: string): unknown => value.split(delimiter).filter(Boolean);
const commaList = (value: string): unknown =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
const integer = (value: string): unknown => (/^-?\d+$/.test(value) ? Number(value) : value);
const boolean = (value: string): unknown =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/**
 * SWITCHYARD_API_KEYS: comma-separated `name:key:scope+scope` entries, e.g.
 * `ci:0123456789abcdef01:read+call,ops:sha256:<64 hex>:read+admin`. The name ends at the first
 * `:` and the scopes start after the last, so a key may hold `:` (as `sha256:<hex>` does).
 * A malformed entry leaves the raw string in place, and validation then names this variable.
 */
export function parseApiKeys(value: string): unknown {
  const keys = [];
  for (const entry of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first <= 0 || last === first) return value;
    keys.push({
      name: entry.slice(0, first),
      key: entry.slice(first + 1, last),
      scopes: entry
        .slice(last + 1)
        .split('+')
        .filter(Boolean),
    });
  }
  return keys;
}

export const ENV_BINDINGS: readonly EnvBinding[] = [
  { name: 'SWITCHYARD_HOME', path: ['home'], description: 'data directory (default ~/.switchyard)' },
  {
    name: 'SWITCHYARD_LOG_LEVEL',
    path: ['logLevel'],
    description: 'trace | debug | info | warn | error | silent',
  },
  { name: 'DATABASE_URL', path: ['database', 'url'], description: 'PostgreSQL URL; unset = embedded PGlite' },
  { name: 'SWITCHYARD_DB_SCHEMA', path: ['database', 'schema'], description: 'schema for Switchyard tables' },
  {
    name: 'SWITCHYARD_DB_PREPARED_STATEMENTS',
    path: ['database', 'preparedStatements'],
    parse: boolean,
    description: 'named prepared statements on DATABASE_URL (true/false)',
  },
  {
    name: 'SWITCHYARD_DB_RETRY_MS',
    path: ['database', 'retryForMs'],
    parse: integer,
    description: 'how long statements that failed without effect are retried (0: never)',
  },
  {
    name: 'SWITCHYARD_PGLITE_SHARED_BUFFERS',
    path: ['database', 'pgliteSharedBuffers'],
    description: "embedded PGlite's shared_buffers (page cache, resident), e.g. 16MB",
  },
  { name: 'REDIS_URL', path: ['redis', 'url'], description: 'Redis URL for the task queue' },
  {
    name: 'SWITCHYARD_REDIS_PREFIX',
    path: ['redis', 'prefix'],
    description: 'prefix of the queue keys in Redis',
  },
  {
    name: 'SWITCHYARD_QUEUE_ENGINE',
    path: ['queue', 'engine'],
    description: 'auto | redis | postgres | inline (auto: redis with REDIS_URL, else inline)',
  },
  {
    name: 'SWITCHYARD_VECTOR_BACKEND',
    path: ['vector', 'backend'],
    description: 'pgvector | faiss | chroma | qdrant | memory',
  },
  { name: 'QDRANT_URL', path: ['vector', 'qdrant', 'url'], description: 'Qdrant server URL' },
  { name: 'QDRANT_API_KEY', path: ['vector', 'qdrant', 'apiKey'], description: 'Qdrant API key' },
  { name: 'CHROMA_URL', path: ['vector', 'chroma', 'url'], description: 'Chroma server URL' },
  { name: 'SWITCHYARD_FAISS_INDEX', path: ['vector', 'faiss', 'index'], description: 'flat | hnsw' },
  {
    name: 'SWITCHYARD_PGVECTOR_EF_SEARCH',
    path: ['vector', 'pgvector', 'efSearch'],
    parse: integer,
    description: 'hnsw.ef_search',
  },
  {
    name: 'SWITCHYARD_PGVECTOR_EXACT',
    path: ['vector', 'pgvector', 'exact'],
    parse: boolean,
    description: 'exact pgvector search (true/false)',
  },
  { name: 'SWITCHYARD_EMBEDDINGS', path: ['embeddings', 'provider'], description: 'local | openai' },
  { name: 'SWITCHYARD_EMBEDDINGS_MODEL', path: ['embeddings', 'model'], description: 'embedding model name' },
  {
    name: 'SWITCHYARD_EMBEDDINGS_DIMENSION',
    path: ['embeddings', 'dimension'],
    parse: integer,
    description: 'embedding dimension',
  },
  { name: 'OPENAI_BASE_URL', path: ['embeddings', 'baseURL'], description: 'OpenAI-compatible base URL' },
  { name: 'OPENAI_API_KEY', path: ['embeddings', 'apiKey'], description: 'OpenAI API key' },
  {
    name: 'SWITCHYARD_FS_ROOTS',
    path: ['filesystem', 'roots'],
    parse: pathList,
    description: "the filesystem server's allowed directories, ':'-separated",
  },
  { name: 'GITHUB_TOKEN', path: ['github', 'token'], description: 'GitHub token for the github server' },
  {
    name: 'GITHUB_API_URL',
    path: ['github', 'apiUrl'],
    description: 'GitHub REST API base URL (GitHub Enterprise: https://HOST/api/v3)',
  },
  { name: 'SWITCHYARD_API_HOST', path: ['api', 'host'], description: 'address the HTTP API binds' },
  { name: 'SWITCHYARD_API_PORT', path: ['api', 'port'], parse: integer, description: 'HTTP API port' },
  {
    name: 'SWITCHYARD_API_KEYS',
    path: ['api', 'keys'],
    parse: parseApiKeys,
    description: "API keys as 'name:key:scope+scope,…' (scopes: read, call, admin)",
  },
  {
    name: 'SWITCHYARD_API_ALLOWED_HOSTS',
    path: ['api', 'allowedHosts'],
    parse: commaList,
    description:
      'host names requests may send in Host besides loopback and the bound address, comma-separated',
  },
  {
    name: 'SWITCHYARD_API_ALLOWED_ORIGINS',
    path: ['api', 'allowedOrigins'],
    parse: commaList,
    description: 'browser origins allowed to call the API besides its own, comma-separated',
  },
];

/** The config fields set by the environment, as a nested partial object. Empty values are ignored. */
export function readEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const binding of ENV_BINDINGS) {
    const raw = env[binding.name];
    if (raw === undefined || raw === '') continue;
    let node = out;
    for (const key of binding.path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[binding.path.at(-1)!] = binding.parse ? binding.parse(raw) : raw;
  }
  return out;
}
