import { searchTool } from '../search-tool.js';
import { issueSchema, summarizeIssue } from '../summaries.js';
import type { RegisterTool } from '../schemas.js';

export const registerSearchIssuesTool: RegisterTool = (server, deps) =>
  searchTool(server, deps, {
    name: 'search_issues',
    title: 'Search issues and pull requests',
    description:
      "Searches issues and pull requests across GitHub with GitHub's search syntax. Include is:issue " +
      'or is:pr (GitHub requires one of them), then words (matched in title and body) and qualifiers: ' +
      'repo:owner/name, org:, author:, assignee:, label:bug, is:open / is:closed, created:>2024-01-01, ' +
      'no:assignee. Returns total_count and one page of items (number, title, state, labels, ' +
      'is_pull_request, repository, body cut to 4000 characters) with has_next_page.',
    example: 'is:issue is:open label:bug repo:octo/hello crash',
    sorts: ['comments', 'reactions', 'interactions', 'created', 'updated'],
    itemSchema: issueSchema,
    search: (d, params) => d.octokit.rest.search.issuesAndPullRequests(params as never),
    summarize: summarizeIssue,
  });
