import { setTimeout as delay } from 'node:timers/promises';
import { Octokit } from '@octokit/rest';
import { ConfigError, type Logger } from '#core';
import { translateOctokitError } from './github-errors.js';
import { installRateLimitRetry, type Sleep } from './rate-limit.js';

export interface GitHubClientOptions {
  token?: string | undefined;
  apiUrl: string;
  rateLimitWaitMs: number;
  userAgent: string;
  logger: Logger;
  now: () => number;
  sleep: Sleep;
}

/** The default {@link Sleep}: a timer that rejects with the signal's reason when it aborts. */
export const sleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal === undefined ? {} : { signal });
};

/** The API URL as octokit wants it (no trailing slash); a malformed one fails at startup. */
export function normalizeApiUrl(apiUrl: string): string {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch (error) {
    throw new ConfigError(`GITHUB_API_URL is not a URL: '${apiUrl}'`, { apiUrl }, error);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`GITHUB_API_URL must be http(s): '${apiUrl}'`, { apiUrl });
  return url.href.replace(/\/+$/, '');
}

/**
 * An Octokit whose requests wait out short rate limits and whose failures are Switchyard errors
 * (github-errors.ts). Hooks run outermost-last: auth (octokit's own), then the rate-limit retry,
 * then the translation, so the retry still sees octokit's RequestError with its headers.
 */
export function createGitHubClient(options: GitHubClientOptions): Octokit {
  const log = options.logger;
  // octokit's default logger is the console; logs belong in pino (stderr). Its request lines are
  // debug detail: a failure reaches the operator through the tool's error result.
  const octokitLog = {
    debug: (message: string) => log.debug(message),
    info: (message: string) => log.debug(message),
    warn: (message: string) => log.warn(message),
    error: (message: string) => log.debug(message),
  };
  const octokit = new Octokit({
    ...(options.token ? { auth: options.token } : {}),
    baseUrl: options.apiUrl,
    userAgent: options.userAgent,
    log: octokitLog,
    // The fetch wrapper has its own logger option, for GitHub's deprecation notices.
    request: { log: octokitLog },
  });
  installRateLimitRetry(octokit, {
    maxWaitMs: options.rateLimitWaitMs,
    apiUrl: options.apiUrl,
    now: options.now,
    sleep: options.sleep,
    logger: log,
  });
  octokit.hook.wrap('request', async (request, requestOptions) => {
    try {
      return await request(requestOptions);
    } catch (error) {
      throw translateOctokitError(error, options.apiUrl);
    }
  });
  return octokit;
}
