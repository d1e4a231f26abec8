import { ValidationError, type Logger, silentLogger } from '#core';
import { DEFAULT_HNSW, type HnswSettings } from './chroma-collections.js';

export interface ChromaVectorStoreOptions {
  /** The Chroma server, e.g. `http://127.0.0.1:8000` (CHROMA_URL): scheme, host and port, no path. */
  url: string;
  /** @defaultValue 'default_tenant' */
  tenant?: string;
  /** @defaultValue 'default_database' */
  database?: string;
  /** Extra HTTP headers on every request, e.g. `{ 'x-chroma-token': … }`. @defaultValue {} */
  headers?: Record<string, string>;
  /** Records per upsert request; at most the server's max batch size (5461 on Chroma 1.0). @defaultValue 500 */
  batchSize?: number;
  /** Upsert (and delete) requests in flight at once. @defaultValue 2 */
  concurrency?: number;
  /** HNSW settings of collections this store creates; existing collections keep theirs. @defaultValue {@link DEFAULT_HNSW} */
  hnsw?: Partial<HnswSettings>;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

export interface ResolvedChromaOptions {
  url: string;
  host: string;
  port: number;
  ssl: boolean;
  /** `scheme://host:port`, what the chromadb client builds from host, port and ssl. */
  baseUrl: string;
  tenant: string;
  database: string;
  headers: Record<string, string>;
  batchSize: number;
  concurrency: number;
  hnsw: HnswSettings;
  logger: Logger;
}

/** Applies defaults and checks every option, with a message that names the bad one. */
export function resolveChromaOptions(options: ChromaVectorStoreOptions): ResolvedChromaOptions {
  const {
    url,
    tenant = 'default_tenant',
    database = 'default_database',
    headers = {},
    batchSize = 500,
    concurrency = 2,
    hnsw = {},
    logger = silentLogger,
  } = options;
  const parsed = parseUrl(url);
  positiveInteger('batchSize', batchSize);
  positiveInteger('concurrency', concurrency);
  const settings: HnswSettings = { ...DEFAULT_HNSW, ...hnsw };
  for (const [field, value] of Object.entries(settings)) positiveInteger(`hnsw.${field}`, value);
  for (const [field, value] of Object.entries({ tenant, database })) {
    if (typeof value !== 'string' || value.length === 0) {
      throw new ValidationError(`chroma option ${field} must be a non-empty string`, { field });
    }
  }
  return { url, ...parsed, tenant, database, headers, batchSize, concurrency, hnsw: settings, logger };
}

function parseUrl(url: unknown): Pick<ResolvedChromaOptions, 'host' | 'port' | 'ssl' | 'baseUrl'> {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new ValidationError(
      `chroma option url ${JSON.stringify(url)} is not a URL like http://127.0.0.1:8000`,
      {
        field: 'url',
      },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError(`chroma option url must use http or https, got '${parsed.protocol}'`, {
      field: 'url',
    });
  }
  // The chromadb client builds its URLs from host and port alone; a path would be silently lost.
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '') {
    throw new ValidationError(
      `chroma option url '${url}' must be scheme://host:port without path, query or credentials (use headers for auth)`,
      { field: 'url' },
    );
  }
  const ssl = parsed.protocol === 'https:';
  const port = parsed.port === '' ? (ssl ? 443 : 80) : Number(parsed.port);
  return { host: parsed.hostname, port, ssl, baseUrl: `${parsed.protocol}//${parsed.hostname}:${port}` };
}

function positiveInteger(field: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new ValidationError(
      `chroma option ${field} must be a positive integer, got ${JSON.stringify(value)}`,
      {
        field,
      },
    );
  }
}
