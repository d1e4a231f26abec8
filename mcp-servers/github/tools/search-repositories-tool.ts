import { searchTool } from '../search-tool.js';
import { repositorySchema, summarizeRepository } from '../summaries.js';
import type { RegisterTool } from '../schemas.js';

export const registerSearchRepositoriesTool: RegisterTool = (server, deps) =>
  searchTool(server, deps, {
    name: 'search_repositories',
    title: 'Search repositories',
    description:
      "Searches GitHub repositories with GitHub's search syntax. Words match the name, description " +
      'and topics; qualifiers narrow: user:octocat, org:github, language:typescript, topic:mcp, ' +
      'stars:>100, pushed:>2024-01-01, in:name, archived:false. Returns total_count, one page of ' +
      'repositories (full_name, description, stars, language, default_branch, …) and has_next_page; ' +
      'only the first 1000 results can be paged through.',
    example: 'mcp server language:typescript stars:>10',
    sorts: ['stars', 'forks', 'help-wanted-issues', 'updated'],
    itemSchema: repositorySchema,
    search: (d, params) => d.octokit.rest.search.repos(params as never),
    summarize: summarizeRepository,
  });
