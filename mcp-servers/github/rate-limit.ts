import type { Octokit } from '@octokit/rest';
import type { Logger } from '#core';
import { GitHubRateLimitError, describeRequest, isOctokitError, isoSeconds } from './github-errors.js';

/** How long to wait before GitHub accepts the request again, and why. */
export interface RateLimitWait {
  waitMs: number;
  retryAt: Date;
  /** GitHub's message, e.g. "API rate limit exceeded for user ID 1". */
  reason: string;
}

/** Called before each wait, with the wait and the request it holds up (e.g. to send progress). */
export type RateLimitListener = (wait: RateLimitWait, request: string) => Promise<void> | void;

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * The key, inside octokit's per-request `request` options, of a {@link RateLimitListener}.
 * octokit passes that object through to hooks untouched, so each tool call can bring its own.
 */
export const RATE_LIMIT_LISTENER = 'switchyardOnRateLimitWait' as const;

/** A request is retried at most this many times, however short the waits. */
const MAX_RETRIES = 3;

/** GitHub's guidance for a secondary limit without retry-after: wait at least a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

type Headers = Record<string, string | number | undefined>;

/**
 * Reads a rate-limit answer the way GitHub documents it: 403 or 429 with `retry-after` (seconds)
 * or with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds). Any other 403 is a
 * permission problem, not a limit, and gives undefined.
 */
export function rateLimitWait(
  status: number,
  headers: Headers,
  message: string,
  now: number,
): RateLimitWait | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const after = (ms: number): RateLimitWait => {
    const waitMs = Math.max(0, Math.ceil(ms));
    return { waitMs, retryAt: new Date(now + waitMs), reason: message };
  };
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && String(retryAfter).trim() !== '') {
    const seconds = Number(retryAfter);
    // RFC 9110 also allows an HTTP date here.
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(String(retryAfter)) - now;
    if (Number.isFinite(ms)) return after(ms);
  }
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(reset)) return after(reset * 1000 - now);
  }
  if (status === 429 || /secondary rate limit/i.test(message)) return after(SECONDARY_LIMIT_WAIT_MS);
  return undefined;
}

export interface RateLimitRetryOptions {
  /** The longest total wait for one request; a longer limit fails with {@link GitHubRateLimitError}. */
  maxWaitMs: number;
  apiUrl: string;
  now: () => number;
  sleep: Sleep;
  logger: Logger;
}

/**
 * Wraps every octokit request: a rate-limited answer is waited out (within `maxWaitMs` in total)
 * and the request sent again; a longer limit becomes a {@link GitHubRateLimitError} that says when
 * to retry. The wait ends early when the request's `signal` aborts.
 */
export function installRateLimitRetry(octokit: Octokit, options: RateLimitRetryOptions): void {
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const perRequest = requestOptions.request as Record<string, unknown> & { signal?: AbortSignal };
    const listener = perRequest[RATE_LIMIT_LISTENER] as RateLimitListener | undefined;
    let waitedMs = 0;
    for (let retries = 0; ; retries++) {
      try {
        return await request(requestOptions);
      } catch (error) {
        if (!isOctokitError(error) || error.response === undefined) throw error;
        const message = githubMessage(error.response.data) ?? error.message;
        const wait = rateLimitWait(error.status, error.response.headers ?? {}, message, options.now());
        if (wait === undefined) throw error;
        // The hook sees the route template ("/repos/{owner}/…"); parse expands it for the message.
        const { method, url } = octokit.request.endpoint.parse(requestOptions);
        const described = describeRequest(method, url, options.apiUrl);
        if (waitedMs + wait.waitMs > options.maxWaitMs || retries >= MAX_RETRIES) {
          throw new GitHubRateLimitError(
            described,
            wait.reason,
            wait.retryAt,
            wait.waitMs,
            options.maxWaitMs,
          );
        }
        options.logger.warn(
          { request: described, waitMs: wait.waitMs, retryAt: isoSeconds(wait.retryAt) },
          'github rate limit: waiting before retrying',
        );
        await listener?.(wait, described);
        await options.sleep(wait.waitMs, perRequest.signal);
        waitedMs += wait.waitMs;
      }
    }
  });
}

function githubMessage(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const message = (data as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}
