import type { CallToolResult } from '@modelcontextprotocol/server';
import { SwitchyardError } from '#core';
import { errorResult as sharedErrorResult } from '#runtime/mcp';
import { GitHubApiError, GitHubRateLimitError, GitHubUnreachableError, isoSeconds } from './github-errors.js';
import type { GitHubToolDeps } from './schemas.js';

export { dataResult } from '#runtime/mcp';

/** A tool's own reading of an error (e.g. a 422 on create_branch means the branch exists). */
export type ToolHint = (error: unknown) => string | undefined;

/**
 * Turns a failure into an `isError` result: what failed (GitHub's status and message, the request)
 * and a hint that says how to fix the call. `hint` is asked first, then the generic hints below.
 */
export function errorResult(
  error: unknown,
  tool: string,
  deps: Pick<GitHubToolDeps, 'logger' | 'apiUrl' | 'authenticated'>,
  hint?: ToolHint,
): CallToolResult {
  return sharedErrorResult(error, {
    tool,
    logger: deps.logger,
    server: 'github',
    hint: (e) => hint?.(e) ?? genericHint(e, deps),
    // Refusals (4xx, limits) are the caller's business; GitHub or the network failing is the operator's too.
    isUnexpected: (e) =>
      e instanceof GitHubUnreachableError ||
      (e instanceof GitHubApiError && e.status >= 500) ||
      (!(e instanceof SwitchyardError) && !(e instanceof Error && e.name === 'AbortError')),
  });
}

export function genericHint(
  error: unknown,
  deps: Pick<GitHubToolDeps, 'apiUrl' | 'authenticated'>,
): string | undefined {
  if (error instanceof GitHubRateLimitError) {
    const more = deps.authenticated
      ? ''
      : '; a token (GITHUB_TOKEN) raises the limit from 60 to 5000 requests an hour';
    return `Call again at ${isoSeconds(error.retryAt)} or later${more}`;
  }
  if (error instanceof GitHubUnreachableError) {
    return `Check that GITHUB_API_URL (${deps.apiUrl}) is right (GitHub Enterprise Server: https://HOST/api/v3) and reachable from this machine, then call again`;
  }
  if (!(error instanceof GitHubApiError)) return undefined;
  switch (error.status) {
    case 401:
      return deps.authenticated
        ? 'GitHub refused the configured token (GITHUB_TOKEN): it is wrong, expired or revoked. Set a valid token and restart the server; retrying this call will not help'
        : 'This call needs authentication: set GITHUB_TOKEN to a personal access token and restart the server';
    case 403:
      return 'The token lacks permission for this: a fine-grained token needs access to this repository with the right permission (Contents, Issues or Pull requests: write for changes), a classic token the repo scope; an archived repository refuses every write';
    case 404:
      return 'Check the spelling of owner, repo, path, branch or number (list or search first to find the exact names). A private repository also answers 404 when the token cannot see it';
    case 409:
      return 'The repository refuses this in its current state (an empty repository needs a first commit, made on github.com)';
    case 422:
      return 'Fix the fields GitHub named above and call again';
    default:
      return error.status >= 500 ? 'GitHub failed to answer; call again in a moment' : undefined;
  }
}
