import {
  ModelAbortedError,
  ModelAuthError,
  ModelBadOutputError,
  ModelBadRequestError,
  ModelError,
  type ModelErrorContext,
  ModelRateLimitedError,
  ModelTimeoutError,
  ModelUnavailableError,
} from './model-errors.js';
import { parseRetryAfterMs } from './retry-policy.js';

/**
 * Translation of the provider SDKs' errors into {@link ModelError}s. Both official SDKs are
 * generated from one template, so their error classes have the same shapes; each provider passes
 * its own classes in, which keeps `instanceof` exact without importing both SDKs here.
 */

type ErrorClass = abstract new (...args: never[]) => Error;

export interface SdkErrorClasses {
  APIError: ErrorClass;
  APIUserAbortError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
}

interface SdkApiError extends Error {
  status?: number;
  headers?: Headers;
}

export function translateSdkError(
  error: unknown,
  classes: SdkErrorClasses,
  context: Pick<ModelErrorContext, 'provider' | 'model'> & {
    timeoutMs: number;
    signal?: AbortSignal | undefined;
    now?: () => number;
  },
): ModelError {
  const { provider, model, timeoutMs, signal } = context;
  const base = { provider, model, cause: error };
  if (error instanceof ModelError) return error;
  // Order matters: the SDKs report a user abort and a timeout as subclasses of APIError.
  if (signal?.aborted || error instanceof classes.APIUserAbortError) return new ModelAbortedError(base);
  if (error instanceof classes.APIConnectionTimeoutError)
    return new ModelTimeoutError({ ...base, timeoutMs }, `no answer within ${timeoutMs} ms`);
  if (error instanceof classes.APIConnectionError)
    return new ModelUnavailableError(base, `connection failed: ${causeMessage(error)}`);
  if (error instanceof classes.APIError) {
    const { status, headers } = error as SdkApiError;
    if (status === undefined) return new ModelUnavailableError(base, error.message);
    const retryAfterMs = parseRetryAfterMs(headers, context.now);
    const http = { ...base, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    if (status === 429) return new ModelRateLimitedError(http, `rate limited (${error.message})`);
    if (status === 401 || status === 403) return new ModelAuthError(http, error.message);
    if (status === 408 || status === 409 || status >= 500)
      return new ModelUnavailableError(http, error.message);
    return new ModelBadRequestError(http, error.message);
  }
  // The SDKs call response.json() unguarded: a body that is not JSON surfaces as a SyntaxError.
  if (error instanceof SyntaxError)
    return new ModelBadOutputError(base, `the response body is not valid JSON (${error.message})`);
  const message = error instanceof Error ? error.message : String(error);
  return new ModelUnavailableError({ ...base, retryable: false }, `unexpected failure: ${message}`);
}

function causeMessage(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
