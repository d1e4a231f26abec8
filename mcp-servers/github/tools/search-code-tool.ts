import { z } from 'zod';
import { pageInfo } from '../pagination.js';
import { page, pageInfoShape, perPage, type RegisterTool } from '../schemas.js';
import { searchHint, searchQuery } from '../search-query.js';
import { codeHitSchema, summarizeCodeHit } from '../summaries.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerSearchCodeTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'search_code',
    {
      title: 'Search code',
      description:
        "Searches file contents on repositories' default branches with GitHub's code search syntax: " +
        'words to find plus qualifiers such as repo:owner/name, org:github, user:octocat, path:src, ' +
        'language:go, extension:ts, filename:package.json. Needs a token (GITHUB_TOKEN) and allows few ' +
        'requests a minute. Returns total_count and one page of hits (repository, path, sha, html_url); ' +
        'read a hit with get_file_contents.',
      inputSchema: {
        query: searchQuery.describe('Words and qualifiers, e.g. "createServer repo:octo/hello language:ts"'),
        page,
        perPage,
      },
      outputSchema: {
        total_count: z.number().int(),
        incomplete_results: z.boolean().describe('GitHub timed out and the results may be partial'),
        items: z.array(codeHitSchema),
        ...pageInfoShape,
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ query, page, perPage }, extra) => {
      try {
        const { data, headers } = await deps.octokit.rest.search.code({
          q: query,
          page,
          per_page: perPage,
          ...deps.call(extra),
        });
        return dataResult({
          total_count: data.total_count,
          incomplete_results: data.incomplete_results,
          items: data.items.map(summarizeCodeHit),
          ...pageInfo(headers, page, perPage),
        });
      } catch (error) {
        return errorResult(error, 'search_code', deps, searchHint);
      }
    },
  );
};
