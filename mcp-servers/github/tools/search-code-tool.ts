import { searchTool } from '../search-tool.js';
import { codeHitSchema, summarizeCodeHit } from '../summaries.js';
import type { RegisterTool } from '../schemas.js';

export const registerSearchCodeTool: RegisterTool = (server, deps) =>
  searchTool(server, deps, {
    name: 'search_code',
    title: 'Search code',
    description:
      "Searches file contents on repositories' default branches with GitHub's code search syntax: " +
      'words to find plus qualifiers such as repo:owner/name, org:github, user:octocat, path:src, ' +
      'language:go, extension:ts, filename:package.json. Needs a token (GITHUB_TOKEN) and allows few ' +
      'requests a minute. Returns total_count and one page of hits (repository, path, sha, html_url); ' +
      'read a hit with get_file_contents.',
    example: 'createServer repo:octo/hello language:ts',
    itemSchema: codeHitSchema,
    search: (d, params) => d.octokit.rest.search.code(params as never),
    summarize: summarizeCodeHit,
  });
