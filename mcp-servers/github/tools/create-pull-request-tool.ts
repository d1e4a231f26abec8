import { z } from 'zod';
import { GitHubApiError } from '../github-errors.js';
import { owner, repo, type RegisterTool } from '../schemas.js';
import { pullRequestSchema, summarizePullRequest } from '../summaries.js';
import { dataResult, errorResult } from '../tool-result.js';

function pullRequestHint(error: unknown): string | undefined {
  if (!(error instanceof GitHubApiError) || error.status !== 422) return undefined;
  if (/no commits between/i.test(error.message))
    return 'The head branch has nothing that base lacks: push_files to the head branch first, or check head and base are not swapped';
  if (/already exists/i.test(error.message))
    return 'Call list_pull_requests with this head to find the open pull request, and add_issue_comment to it instead';
  if (error.errors.some((e) => e.field === 'head' || e.field === 'base'))
    return 'The branch GitHub named does not exist: create_branch (and push_files) first, or fix its spelling';
  return undefined;
}

export const registerCreatePullRequestTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'create_pull_request',
    {
      title: 'Create pull request',
      description:
        'Opens a pull request to merge `head` into `base`. The head branch must exist and have commits ' +
        'that base lacks (create_branch, then push_files); only one open pull request may exist per head ' +
        'and base. Set draft: true for work in progress. Returns the number and html_url.',
      inputSchema: {
        owner,
        repo,
        title: z.string().trim().min(1).max(256).describe('Pull request title'),
        head: z
          .string()
          .min(1)
          .max(300)
          .describe('The branch with the changes: "feature-x", or "user:feature-x" from a fork'),
        base: z.string().min(1).max(250).describe('The branch to merge into, e.g. "main"'),
        body: z.string().max(65_536).optional().describe('Description, in GitHub Markdown'),
        draft: z.boolean().default(false).describe('Open as a draft; default false'),
      },
      outputSchema: pullRequestSchema.shape,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ owner, repo, title, head, base, body, draft }, extra) => {
      try {
        const { data } = await deps.octokit.rest.pulls.create({
          owner,
          repo,
          title,
          head,
          base,
          draft,
          ...(body === undefined ? {} : { body }),
          ...deps.call(extra),
        });
        return dataResult(summarizePullRequest(data));
      } catch (error) {
        return errorResult(error, 'create_pull_request', deps, pullRequestHint);
      }
    },
  );
};
