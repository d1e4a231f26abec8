import { z } from 'zod';
import { pageInfo } from '../pagination.js';
import { direction, owner, page, pageInfoShape, perPage, repo, type RegisterTool } from '../schemas.js';
import { issueSchema, summarizeIssue } from '../summaries.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerListIssuesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'list_issues',
    {
      title: 'List issues',
      description:
        "Lists a repository's issues, newest first by default. GitHub counts pull requests as issues: " +
        'they are included and marked is_pull_request: true (use list_pull_requests for their branches). ' +
        'Filter by state, labels (all must match) and since (updated at or after); one page at a time, ' +
        'with has_next_page. Bodies are cut to 4000 characters.',
      inputSchema: {
        owner,
        repo,
        state: z.enum(['open', 'closed', 'all']).default('open').describe('Which issues; default open'),
        labels: z
          .array(z.string().min(1).max(100))
          .max(20)
          .optional()
          .describe('Label names an issue must all have, e.g. ["bug", "ui"]'),
        sort: z.enum(['created', 'updated', 'comments']).optional().describe('Sort field; default created'),
        direction,
        since: z.iso
          .datetime({ offset: true })
          .optional()
          .describe('Only issues updated at or after this time, ISO 8601 (2024-01-31T00:00:00Z)'),
        page,
        perPage,
      },
      outputSchema: { issues: z.array(issueSchema), ...pageInfoShape },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ owner, repo, state, labels, sort, direction, since, page, perPage }, extra) => {
      try {
        const { data, headers } = await deps.octokit.rest.issues.listForRepo({
          owner,
          repo,
          state,
          ...(labels === undefined ? {} : { labels: labels.join(',') }),
          ...(sort === undefined ? {} : { sort }),
          ...(direction === undefined ? {} : { direction }),
          ...(since === undefined ? {} : { since }),
          page,
          per_page: perPage,
          ...deps.call(extra),
        });
        return dataResult({ issues: data.map(summarizeIssue), ...pageInfo(headers, page, perPage) });
      } catch (error) {
        return errorResult(error, 'list_issues', deps);
      }
    },
  );
};
