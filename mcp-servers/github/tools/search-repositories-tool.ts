import { z } from 'zod';
import { pageInfo } from '../pagination.js';
import { page, pageInfoShape, perPage, type RegisterTool } from '../schemas.js';
import { searchHint, searchQuery } from '../search-query.js';
import { repositorySchema, summarizeRepository } from '../summaries.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerSearchRepositoriesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'search_repositories',
    {
      title: 'Search repositories',
      description:
        "Searches GitHub repositories with GitHub's search syntax. Words match the name, description " +
        'and topics; qualifiers narrow: user:octocat, org:github, language:typescript, topic:mcp, ' +
        'stars:>100, pushed:>2024-01-01, in:name, archived:false. Returns total_count, one page of ' +
        'repositories (full_name, description, stars, language, default_branch, …) and has_next_page; ' +
        'only the first 1000 results can be paged through.',
      inputSchema: {
        query: searchQuery.describe(
          'Search words and qualifiers, e.g. "mcp server language:typescript stars:>10"',
        ),
        sort: z
          .enum(['stars', 'forks', 'help-wanted-issues', 'updated'])
          .optional()
          .describe('Sort field; best match when left out'),
        order: z.enum(['asc', 'desc']).optional().describe('Sort order with `sort`; default desc'),
        page,
        perPage,
      },
      outputSchema: {
        total_count: z.number().int(),
        incomplete_results: z.boolean().describe('GitHub timed out and the results may be partial'),
        items: z.array(repositorySchema),
        ...pageInfoShape,
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ query, sort, order, page, perPage }, extra) => {
      try {
        const { data, headers } = await deps.octokit.rest.search.repos({
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
          items: data.items.map(summarizeRepository),
          ...pageInfo(headers, page, perPage),
        });
      } catch (error) {
        return errorResult(error, 'search_repositories', deps, searchHint);
      }
    },
  );
};
