import { QdrantClientResourceExhaustedError, QdrantClientTimeoutError } from '@qdrant/js-client-rest';
import { BackendError } from '#core';

/**
 * Turns what the REST client throws into a BackendError whose message says what failed, where and
 * why. The client throws three kinds of things: an HTTP error from its fetch layer (an object
 * with a numeric `status` and Qdrant's JSON body in `data`), its own timeout / rate-limit errors,
 * and fetch's `TypeError('fetch failed')` whose `cause` holds the socket error (ECONNREFUSED, ...).
 */

interface HttpFailure {
  status: number;
  data?: unknown;
}

/** The HTTP status of a failed request, or undefined when it never got an answer. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as Partial<HttpFailure>).status;
  return typeof status === 'number' ? status : undefined;
}

/** The URL to show in messages: no user name or password. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    // Not a URL at all: the options check reports that; here it is only shown.
    return url;
  }
}

/** A BackendError for `action` (`'query collection "docs"'`) that failed against the server at `url`. */
export function qdrantFailure(action: string, error: unknown, url: string, timeoutMs: number): BackendError {
  return new BackendError('qdrant', `${action} failed: ${explain(error, displayUrl(url), timeoutMs)}`, error);
}

function explain(error: unknown, url: string, timeoutMs: number): string {
  const status = httpStatusOf(error);
  if (status !== undefined) {
    const detail = qdrantMessage((error as HttpFailure).data);
    return `Qdrant at ${url} answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
  }
  if (error instanceof QdrantClientTimeoutError)
    return `no answer from Qdrant at ${url} within ${timeoutMs} ms`;
  if (error instanceof QdrantClientResourceExhaustedError) {
    return `Qdrant at ${url} is rate limiting requests (retry after ${error.retry_after} s)`;
  }
  const code = socketCode(error);
  if (code === 'ECONNREFUSED') return `connection refused by ${url} (ECONNREFUSED): is Qdrant running there?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve the host of ${url} (${code})`;
  if (code) return `cannot reach Qdrant at ${url} (${code})`;
  const message = error instanceof Error ? error.message : String(error);
  return `${message} (Qdrant at ${url})`;
}

/** Qdrant's error text from a response body `{status: {error: "..."}}`. */
function qdrantMessage(data: unknown): string | undefined {
  if (typeof data === 'string') return data.slice(0, 500) || undefined;
  if (typeof data !== 'object' || data === null) return undefined;
  const status = (data as { status?: unknown }).status;
  if (typeof status === 'object' && status !== null) {
    const text = (status as { error?: unknown }).error;
    if (typeof text === 'string') return text;
  }
  return undefined;
}

/** The socket error code under fetch's `TypeError('fetch failed')` (or an AggregateError of them). */
function socketCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : cause;
  }
  return undefined;
}
