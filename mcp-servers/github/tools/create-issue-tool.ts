import { z } from 'zod';
import { GitHubApiError } from '../github-errors.js';
import { owner, repo, type RegisterTool } from '../schemas.js';
import { issueSchema, summarizeIssue } from '../summaries.js';
import { dataResult, errorResult } from '../tool-result.js';

const login = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, { message: 'not a GitHub login' });

export const registerCreateIssueTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'create_issue',
    {
      title: 'Create issue',
      description:
        'Opens a new issue in a repository. Labels that do not exist are created by GitHub when the token ' +
        'may push, and silently dropped otherwise; assignees must be people who can be assigned in the ' +
        'repository. Each call opens another issue: search_issues first to avoid duplicates.',
      inputSchema: {
        owner,
        repo,
        title: z.string().trim().min(1).max(256).describe('Issue title'),
        body: z.string().max(65_536).optional().describe('Issue text, in GitHub Markdown'),
        labels: z.array(z.string().min(1).max(100)).max(20).optional().describe('Label names'),
        assignees: z.array(login).max(10).optional().describe('Logins to assign, e.g. ["octocat"]'),
      },
      outputSchema: issueSchema.shape,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ owner, repo, title, body, labels, assignees }, extra) => {
      try {
        const { data } = await deps.octokit.rest.issues.create({
          owner,
          repo,
          title,
          ...(body === undefined ? {} : { body }),
          ...(labels === undefined ? {} : { labels }),
          ...(assignees === undefined ? {} : { assignees }),
          ...deps.call(extra),
        });
        return dataResult(summarizeIssue(data));
      } catch (error) {
        return errorResult(error, 'create_issue', deps, (e) =>
          e instanceof GitHubApiError && e.status === 422 && e.errors.some((f) => f.field === 'assignees')
            ? 'Leave out the assignees GitHub named, or use logins of collaborators of this repository'
            : undefined,
        );
      }
    },
  );
};
