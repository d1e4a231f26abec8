import { ConfigError } from '#core';

/**
 * What the Qdrant backend logs through: pino's logger fits (the bridge passes its own); the default
 * drops everything. Declared here so the stores layer does not import the runtime's logger module.
 */
export interface QdrantLogger {
  debug(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface QdrantVectorStoreOptions {
  /**
   * The REST endpoint, `http(s)://host[:port][/path]`: in the cluster, `QDRANT_URL`. Without a port
   * the client uses 6333 (its convention, also for https).
   */
  url: string;
  /** Sent as the `api-key` header (Qdrant Cloud, or a server with `service.api_key`). @defaultValue none */
  apiKey?: string;
  /**
   * Prefix of the Qdrant collection names of this store: collection `docs` is `sy_docs` in Qdrant,
   * and listCollections shows only prefixed ones. Two stores whose prefixes are prefixes of one
   * another see each other's collections. 0–64 characters of `[a-zA-Z0-9_-]`. @defaultValue 'sy_'
   */
  collectionPrefix?: string;
  /** Points per upsert request (and ids per delete request). @defaultValue 256 */
  batchSize?: number;
  /** Upsert / delete requests in flight at once. @defaultValue 4 */
  concurrency?: number;
  /**
   * Writes return once Qdrant has applied them (`wait=true`), so a query right after sees them.
   * With false, Qdrant acknowledges on receipt and reads may briefly miss the write. @defaultValue true
   */
  wait?: boolean;
  /**
   * HNSW beam size at query time (`params.hnsw_ef`): higher is more exact and slower. Unset, Qdrant
   * uses the collection's `ef_construct`. Small segments are searched exactly whatever this is.
   * @defaultValue undefined
   */
  hnswEf?: number;
  /** Create payload indexes for the keys filters use, on first use (see payload-index-plan.ts). @defaultValue true */
  autoIndex?: boolean;
  /** Per-request timeout in milliseconds. @defaultValue 30000 */
  timeoutMs?: number;
  /** @defaultValue a logger that drops everything */
  logger?: QdrantLogger;
}

export type ResolvedQdrantOptions = Required<Omit<QdrantVectorStoreOptions, 'apiKey' | 'hnswEf'>> &
  Pick<QdrantVectorStoreOptions, 'apiKey' | 'hnswEf'>;

const silent: QdrantLogger = { debug() {}, warn() {} };

const DEFAULTS = {
  collectionPrefix: 'sy_',
  batchSize: 256,
  concurrency: 4,
  wait: true,
  autoIndex: true,
  timeoutMs: 30_000,
  logger: silent,
} as const;

const PREFIX = /^[a-zA-Z0-9_-]{0,64}$/;

/** Defaults applied, every field checked; a ConfigError names the field and what is wrong. */
export function resolveQdrantOptions(options: QdrantVectorStoreOptions): ResolvedQdrantOptions {
  // Cast before the checks below: they are what make it true (options come from config files too).
  const resolved = { ...DEFAULTS, ...withoutUndefined(options) } as ResolvedQdrantOptions;
  const bad = (field: string, message: string): never => {
    throw new ConfigError(`qdrant option ${field}: ${message}`, { backend: 'qdrant', field });
  };
  if (typeof resolved.url !== 'string' || !/^https?:\/\/[^/]/.test(resolved.url)) {
    bad('url', `expected an http(s) URL such as http://localhost:6333, got ${JSON.stringify(resolved.url)}`);
  }
  try {
    new URL(resolved.url);
  } catch (error) {
    throw new ConfigError(`qdrant option url: ${JSON.stringify(resolved.url)} is not a valid URL`, {
      backend: 'qdrant',
      field: 'url',
      reason: error instanceof Error ? error.message : String(error),
    });
  }
  if (resolved.apiKey !== undefined && (typeof resolved.apiKey !== 'string' || resolved.apiKey === '')) {
    bad('apiKey', 'expected a non-empty string when set');
  }
  if (typeof resolved.collectionPrefix !== 'string' || !PREFIX.test(resolved.collectionPrefix)) {
    bad(
      'collectionPrefix',
      `expected 0–64 characters of [a-zA-Z0-9_-], got ${JSON.stringify(resolved.collectionPrefix)}`,
    );
  }
  positiveInteger(resolved.batchSize, 'batchSize', bad);
  positiveInteger(resolved.concurrency, 'concurrency', bad);
  positiveInteger(resolved.timeoutMs, 'timeoutMs', bad);
  if (resolved.hnswEf !== undefined) positiveInteger(resolved.hnswEf, 'hnswEf', bad);
  if (typeof resolved.wait !== 'boolean') bad('wait', 'expected true or false');
  if (typeof resolved.autoIndex !== 'boolean') bad('autoIndex', 'expected true or false');
  return resolved;
}

function positiveInteger(
  value: unknown,
  field: string,
  bad: (field: string, message: string) => never,
): void {
  if (!Number.isInteger(value) || (value as number) < 1) {
    bad(field, `expected a positive integer, got ${JSON.stringify(value)}`);
  }
}

function withoutUndefined<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
