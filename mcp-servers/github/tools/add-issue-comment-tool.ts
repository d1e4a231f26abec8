import { z } from 'zod';
import { GitHubApiError } from '../github-errors.js';
import { owner, repo, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerAddIssueCommentTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'add_issue_comment',
    {
      title: 'Comment on an issue or pull request',
      description:
        'Adds a comment to an issue or a pull request (they share numbers). Each call adds another ' +
        'comment. Returns the comment id and its html_url.',
      inputSchema: {
        owner,
        repo,
        issue_number: z.number().int().min(1).describe('The issue or pull request number'),
        body: z.string().trim().min(1).max(65_536).describe('Comment text, in GitHub Markdown'),
      },
      outputSchema: {
        id: z.number().int(),
        issue_number: z.number().int(),
        html_url: z.string(),
        user: z.string().nullable(),
        created_at: z.string(),
        body: z.string(),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ owner, repo, issue_number, body }, extra) => {
      try {
        const { data } = await deps.octokit.rest.issues.createComment({
          owner,
          repo,
          issue_number,
          body,
          ...deps.call(extra),
        });
        return dataResult({
          id: data.id,
          issue_number,
          html_url: data.html_url,
          user: data.user?.login ?? null,
          created_at: data.created_at,
          body: data.body ?? body,
        });
      } catch (error) {
        return errorResult(error, 'add_issue_comment', deps, (e) =>
          e instanceof GitHubApiError && e.status === 404
            ? `Check that ${owner}/${repo} has an issue or pull request #${issue_number} (list_issues shows them); a private repository also answers 404 when the token cannot see it`
            : undefined,
        );
      }
    },
  );
};
