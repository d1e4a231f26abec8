import { SwitchyardError } from '#core';

/** One entry of a 422 answer's `errors` array, as GitHub sends it. */
export interface GitHubFieldError {
  resource?: string;
  field?: string;
  code?: string;
  message?: string;
  value?: unknown;
}

/** GitHub answered with an HTTP error (4xx other than a rate limit, or 5xx). */
export class GitHubApiError extends SwitchyardError {
  readonly status: number;
  /** GitHub's own `message` ("Not Found", "Validation Failed", "Update is not a fast forward"). */
  readonly githubMessage: string;
  readonly errors: readonly GitHubFieldError[];

  constructor(request: string, status: number, githubMessage: string, errors: readonly GitHubFieldError[]) {
    const detail = errors.length > 0 ? `: ${errors.map(describeFieldError).join('; ')}` : '';
    super(
      status >= 500 ? 'backend_failed' : status === 404 ? 'not_found' : 'github_request_failed',
      `GitHub answered ${status} ${githubMessage} to ${request}${detail}`,
      { details: { status, request, githubMessage, errors } },
    );
    this.status = status;
    this.githubMessage = githubMessage;
    this.errors = errors;
  }
}

/** The API did not answer at all (refused connection, DNS failure, TLS error). */
export class GitHubUnreachableError extends SwitchyardError {
  constructor(apiUrl: string, request: string, reason: string, cause: unknown) {
    super('backend_failed', `Could not reach the GitHub API at ${apiUrl} for ${request} (${reason})`, {
      details: { apiUrl, request, reason },
      cause,
    });
  }
}

/** A rate limit that resets later than the server is willing to wait. */
export class GitHubRateLimitError extends SwitchyardError {
  readonly retryAt: Date;

  constructor(request: string, reason: string, retryAt: Date, waitMs: number, maxWaitMs: number) {
    const seconds = Math.ceil(waitMs / 1000);
    super(
      'rate_limited',
      `GitHub rate limit reached for ${request} (${reason}); it lifts at ${isoSeconds(retryAt)}, ` +
        `${seconds} s from now, which is longer than this server waits (${Math.round(maxWaitMs / 1000)} s)`,
      { details: { request, retryAt: isoSeconds(retryAt), retryAfterSeconds: seconds } },
    );
    this.retryAt = retryAt;
  }
}

/** An ISO-8601 UTC time without milliseconds: 2025-06-01T12:00:00Z. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function describeFieldError(error: GitHubFieldError): string {
  if (error.message) return error.message;
  const where = [error.resource, error.field].filter(Boolean).join('.');
  const value = error.value === undefined ? '' : ` (${JSON.stringify(error.value)})`;
  return `${where || 'request'} is ${error.code ?? 'invalid'}${value}`;
}

/** The fields of octokit's RequestError this module reads; checked by shape, not by class. */
interface OctokitErrorLike {
  name: string;
  status: number;
  message: string;
  request?: { method?: string; url?: string };
  response?: { data?: unknown; headers?: Record<string, string | number | undefined> };
  cause?: unknown;
}

export function isOctokitError(error: unknown): error is OctokitErrorLike {
  return (
    error instanceof Error &&
    error.name === 'HttpError' &&
    typeof (error as Partial<OctokitErrorLike>).status === 'number'
  );
}

/** "GET /repos/o/r/contents/a.ts": the method and the path under the API URL, query left out. */
export function describeRequest(method: string | undefined, url: string | undefined, apiUrl: string): string {
  let path = url ?? '?';
  if (path.startsWith(apiUrl)) path = path.slice(apiUrl.length);
  path = path.replace(/\?.*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape is shown as sent: the description is for people, not for parsing.
  }
  return `${method ?? 'GET'} ${path}`;
}

/**
 * Turns octokit's RequestError into {@link GitHubApiError} or {@link GitHubUnreachableError};
 * anything else (an abort, a programming error) is returned unchanged.
 */
export function translateOctokitError(error: unknown, apiUrl: string): unknown {
  if (!isOctokitError(error)) return error;
  const request = describeRequest(error.request?.method, error.request?.url, apiUrl);
  if (error.response === undefined) {
    // octokit reports a failed fetch as status 500 without a response; the cause has the errno.
    return new GitHubUnreachableError(apiUrl, request, networkReason(error), error);
  }
  const data = error.response.data;
  const body = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const githubMessage =
    typeof body['message'] === 'string' ? body['message'] : typeof data === 'string' && data ? data : 'error';
  const errors = Array.isArray(body['errors'])
    ? body['errors'].map((e): GitHubFieldError =>
        typeof e === 'string' ? { message: e } : (e as GitHubFieldError),
      )
    : [];
  return new GitHubApiError(request, error.status, githubMessage, errors);
}

function networkReason(error: OctokitErrorLike): string {
  // fetch's TypeError('fetch failed') carries the socket error (code ECONNREFUSED …) as its cause.
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return cause.message ? `${code}: ${cause.message}` : code;
    cause = cause.cause;
  }
  return error.message;
}
