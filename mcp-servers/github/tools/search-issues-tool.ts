import { z } from 'zod';
import { pageInfo } from '../pagination.js';
import { page, pageInfoShape, perPage, type RegisterTool } from '../schemas.js';
import { searchHint, searchQuery } from '../search-query.js';
import { issueSchema, summarizeIssue } from '../summaries.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerSearchIssuesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'search_issues',
    {
      title: 'Search issues and pull requests',
      description:
        "Searches issues and pull requests across GitHub with GitHub's search syntax. Include is:issue " +
        'or is:pr (GitHub requires one of them), then words (matched in title and body) and qualifiers: ' +
        'repo:owner/name, org:, author:, assignee:, label:bug, is:open / is:closed, created:>2024-01-01, ' +
        'no:assignee. Returns total_count and one page of items (number, title, state, labels, ' +
        'is_pull_request, repository, body cut to 4000 characters) with has_next_page.',
      inputSchema: {
        query: searchQuery.describe(
          'Words and qualifiers, e.g. "is:issue is:open label:bug repo:octo/hello crash"',
        ),
        sort: z
          .enum(['comments', 'reactions', 'interactions', 'created', 'updated'])
          .optional()
          .describe('Sort field; best match when left out'),
        order: z.enum(['asc', 'desc']).optional().describe('Sort order with `sort`; default desc'),
        page,
        perPage,
      },
      outputSchema: {
        total_count: z.number().int(),
        incomplete_results: z.boolean().describe('GitHub timed out and the results may be partial'),
        items: z.array(issueSchema),
        ...pageInfoShape,
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ query, sort, order, page, perPage }, extra) => {
      try {
        const { data, headers } = await deps.octokit.rest.search.issuesAndPullRequests({
          q: query,
          ...(sort === undefined ? {} : { sort }),
          ...(order === undefined ? {} : { order }),
          page,
          per_page: perPage,
          ...deps.call(extra),
        });
        return dataResult({
          total_count: data.total_count,
          incomplete_results: data.incomplete_results,
          items: data.items.map(summarizeIssue),
          ...pageInfo(headers, page, perPage),
        });
      } catch (error) {
        return errorResult(error, 'search_issues', deps, searchHint);
      }
    },
  );
};
