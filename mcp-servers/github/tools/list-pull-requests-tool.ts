import { z } from 'zod';
import { pageInfo } from '../pagination.js';
import { direction, owner, page, pageInfoShape, perPage, repo, type RegisterTool } from '../schemas.js';
import { pullRequestSchema, summarizePullRequest } from '../summaries.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerListPullRequestsTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'list_pull_requests',
    {
      title: 'List pull requests',
      description:
        "Lists a repository's pull requests, newest first by default, with their head and base " +
        'branches, draft and merged flags. Filter by state, head branch ("branch" for this repository ' +
        'or "user:branch" for a fork) and base branch; one page at a time, with has_next_page.',
      inputSchema: {
        owner,
        repo,
        state: z
          .enum(['open', 'closed', 'all'])
          .default('open')
          .describe('Which pull requests; default open'),
        head: z
          .string()
          .min(1)
          .max(300)
          .optional()
          .describe('Only pull requests from this branch: "feature-x" (this repository) or "user:feature-x"'),
        base: z
          .string()
          .min(1)
          .max(250)
          .optional()
          .describe('Only pull requests into this branch, e.g. "main"'),
        sort: z
          .enum(['created', 'updated', 'popularity', 'long-running'])
          .optional()
          .describe('Sort field; default created'),
        direction,
        page,
        perPage,
      },
      outputSchema: { pull_requests: z.array(pullRequestSchema), ...pageInfoShape },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ owner, repo, state, head, base, sort, direction, page, perPage }, extra) => {
      try {
        const { data, headers } = await deps.octokit.rest.pulls.list({
          owner,
          repo,
          state,
          // GitHub ignores a head filter without the "user:" part, returning every pull request.
          ...(head === undefined ? {} : { head: head.includes(':') ? head : `${owner}:${head}` }),
          ...(base === undefined ? {} : { base }),
          ...(sort === undefined ? {} : { sort }),
          ...(direction === undefined ? {} : { direction }),
          page,
          per_page: perPage,
          ...deps.call(extra),
        });
        return dataResult({
          pull_requests: data.map(summarizePullRequest),
          ...pageInfo(headers, page, perPage),
        });
      } catch (error) {
        return errorResult(error, 'list_pull_requests', deps);
      }
    },
  );
};
