import { McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '#core';
import type { CreatedServer } from '#runtime/mcp';
import { registerFileResources } from './file-resources.js';
import { createGitHubClient, normalizeApiUrl, sleep as timerSleep } from './github-client.js';
import type { Sleep } from './rate-limit.js';
import { type RegisterTool, toolDeps } from './schemas.js';
import { registerAddIssueCommentTool } from './tools/add-issue-comment-tool.js';
import { registerCreateBranchTool } from './tools/create-branch-tool.js';
import { registerCreateIssueTool } from './tools/create-issue-tool.js';
import { registerCreatePullRequestTool } from './tools/create-pull-request-tool.js';
import { registerGetFileContentsTool } from './tools/get-file-contents-tool.js';
import { registerListIssuesTool } from './tools/list-issues-tool.js';
import { registerListPullRequestsTool } from './tools/list-pull-requests-tool.js';
import { registerPushFilesTool } from './tools/push-files-tool.js';
import { registerSearchCodeTool } from './tools/search-code-tool.js';
import { registerSearchIssuesTool } from './tools/search-issues-tool.js';
import { registerSearchRepositoriesTool } from './tools/search-repositories-tool.js';
import { registerTriagePrompt } from './triage-prompt.js';

export const SERVER_NAME = 'switchyard-github';
/** Kept equal to package.json's version (importing package.json would pull it into the build's rootDir). */
export const SERVER_VERSION = '0.1.0';

const TOOLS: readonly RegisterTool[] = [
  registerSearchRepositoriesTool,
  registerSearchCodeTool,
  registerSearchIssuesTool,
  registerGetFileContentsTool,
  registerListIssuesTool,
  registerCreateIssueTool,
  registerAddIssueCommentTool,
  registerListPullRequestsTool,
  registerCreatePullRequestTool,
  registerCreateBranchTool,
  registerPushFilesTool,
];

export interface GitHubServerDeps {
  /** A personal access or app token; without one GitHub's anonymous limits apply (60 requests an hour). */
  token?: string | undefined;
  /** The REST API base URL, e.g. https://api.github.com or https://HOST/api/v3. Checked here. */
  apiUrl: string;
  /** The longest one request waits out a rate limit before the tool answers with when to retry. */
  rateLimitWaitMs: number;
  logger: Logger;
  /** Epoch milliseconds, for rate-limit arithmetic. @defaultValue Date.now */
  now?: () => number;
  /** Waits out a rate limit. @defaultValue a timer that stops when the call is cancelled */
  sleep?: Sleep;
}

/**
 * The github server: repositories, files, issues and pull requests through GitHub's REST API with
 * octokit. Each instance has its own octokit; nothing is shared between instances but the config.
 */
export function createServer(deps: GitHubServerDeps): CreatedServer {
  const apiUrl = normalizeApiUrl(deps.apiUrl);
  const shutdown = new AbortController();
  const octokit = createGitHubClient({
    token: deps.token,
    apiUrl,
    rateLimitWaitMs: deps.rateLimitWaitMs,
    userAgent: `${SERVER_NAME}/${SERVER_VERSION}`,
    logger: deps.logger,
    now: deps.now ?? Date.now,
    sleep: deps.sleep ?? timerSleep,
  });
  const shared = toolDeps({
    octokit,
    logger: deps.logger,
    apiUrl,
    authenticated: Boolean(deps.token),
    shutdown: shutdown.signal,
  });
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      instructions:
        'GitHub repositories, files, issues and pull requests. Find things with search_repositories, ' +
        'search_code and search_issues; read with get_file_contents, list_issues, list_pull_requests. ' +
        'To propose a change: create_branch, push_files (one commit), then create_pull_request. ' +
        'List and search tools return one page and has_next_page. A rate limit is waited out briefly; ' +
        'a longer one is an error that says when to call again.',
    },
  );
  for (const register of TOOLS) register(server, shared);
  registerFileResources(server, shared);
  registerTriagePrompt(server);
  return {
    server,
    // Ends requests and rate-limit waits still running for this instance.
    cleanup: async () => shutdown.abort(new Error('github server closed')),
  };
}
