import { QdrantClient } from '@qdrant/js-client-rest';
import { BackendError, NotFoundError } from '#core';
import { displayUrl, httpStatusOf, qdrantFailure } from './qdrant-errors.js';
import {
  type QdrantVectorStoreOptions,
  type ResolvedQdrantOptions,
  resolveQdrantOptions,
} from './qdrant-options.js';

/** The oldest server with everything used here (`POST /collections/{name}/points/query`). */
export const MIN_SERVER = [1, 10] as const;

/** Whether a server version string (`1.17.1`, `v1.9.0-dev`) is at least `[major, minor]`. */
export function atLeast(version: unknown, [major, minor]: readonly [number, number]): boolean {
  const match = typeof version === 'string' ? /(\d+)\.(\d+)/.exec(version) : null;
  // An unparsable version (a custom build): let it through; a real gap shows up as request errors.
  if (!match) return true;
  const [got, gotMinor] = [Number(match[1]), Number(match[2])];
  return got > major || (got === major && gotMinor >= minor);
}

/**
 * The REST client of one store with the store's options, and the one way its requests run: every
 * failure leaves as a Switchyard error that says what failed (qdrant-errors.ts).
 */
export class QdrantRequests {
  private closed = false;

  private constructor(
    readonly client: QdrantClient,
    readonly options: ResolvedQdrantOptions,
  ) {}

  /**
   * Checks the options (ConfigError naming the option), builds the client and asks the server for
   * its version, so an unreachable URL fails here with a BackendError naming it.
   */
  static async connect(options: QdrantVectorStoreOptions): Promise<QdrantRequests> {
    const resolved = resolveQdrantOptions(options);
    const url = new URL(resolved.url);
    const client = new QdrantClient({
      url: url.origin,
      // The client ignores a URL's path; a Qdrant behind a path prefix needs it passed apart.
      ...(url.pathname !== '/' ? { prefix: url.pathname.replace(/\/$/, '') } : {}),
      // A header rather than `apiKey`: the client would console.warn on http; we log through our logger.
      ...(resolved.apiKey ? { headers: { 'api-key': resolved.apiKey } } : {}),
      timeout: resolved.timeoutMs,
      // Its check writes to the console; connect() asks for the version itself.
      checkCompatibility: false,
    });
    const requests = new QdrantRequests(client, resolved);
    const info = await requests.run('connect', () => client.versionInfo());
    const shown = displayUrl(resolved.url);
    if (!atLeast(info.version, MIN_SERVER)) {
      // Before 1.10 there is no /points/query: every query would answer 404, read as "no such collection".
      throw new BackendError(
        'qdrant',
        `Qdrant ${info.version} at ${shown} is too old: this backend needs ${MIN_SERVER.join('.')} or newer (the Query API)`,
      );
    }
    resolved.logger.debug({ url: shown, version: info.version }, 'connected to Qdrant');
    if (resolved.apiKey && url.protocol === 'http:') {
      resolved.logger.warn({ url: shown }, 'the Qdrant API key goes over plain http');
    }
    return requests;
  }

  /** The Qdrant collection name of a Switchyard collection. */
  qdrantName(name: string): string {
    return `${this.options.collectionPrefix}${name}`;
  }

  /**
   * Runs a request. With `collection` set, Qdrant's 404 means that collection does not exist:
   * NotFoundError. Any other failure: BackendError(`<action> failed: <why>`).
   */
  async run<T>(action: string, request: () => Promise<T>, collection?: string): Promise<T> {
    if (this.closed) throw new BackendError('qdrant', `${action}: the store is closed`);
    try {
      return await request();
    } catch (error) {
      if (collection !== undefined && httpStatusOf(error) === 404) {
        throw new NotFoundError('collection', collection);
      }
      throw this.failure(action, error);
    }
  }

  failure(action: string, error: unknown): BackendError {
    if (error instanceof BackendError) return error;
    return qdrantFailure(action, error, this.options.url, this.options.timeoutMs);
  }

  /** Later requests fail. The REST client keeps only idle keep-alive sockets, nothing to close. */
  close(): void {
    this.closed = true;
  }
}
