import { z } from 'zod';
import { GitHubApiError } from '../github-errors.js';
import { branchName, owner, repo, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerCreateBranchTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'create_branch',
    {
      title: 'Create branch',
      description:
        'Creates a branch pointing at the head commit of `from_branch` (the default branch when left ' +
        'out). Fails if the branch already exists; then push_files to it, or pick another name.',
      inputSchema: {
        owner,
        repo,
        branch: branchName.describe('The new branch name, e.g. "fix/typo-in-readme"'),
        from_branch: branchName
          .optional()
          .describe("The branch to start from; default the repository's default branch"),
      },
      outputSchema: {
        branch: z.string(),
        ref: z.string().describe('refs/heads/<branch>'),
        sha: z.string().describe('The commit the branch points at'),
        from_branch: z.string(),
      },
      // Not idempotent: the second call with the same name fails (the branch exists).
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async ({ owner, repo, branch, from_branch }, extra) => {
      try {
        const options = deps.call(extra);
        const from =
          from_branch ?? (await deps.octokit.rest.repos.get({ owner, repo, ...options })).data.default_branch;
        const { data: source } = await deps.octokit.rest.git.getRef({
          owner,
          repo,
          ref: `heads/${from}`,
          ...options,
        });
        const { data: created } = await deps.octokit.rest.git.createRef({
          owner,
          repo,
          ref: `refs/heads/${branch}`,
          sha: source.object.sha,
          ...options,
        });
        return dataResult({ branch, ref: created.ref, sha: created.object.sha, from_branch: from });
      } catch (error) {
        return errorResult(error, 'create_branch', deps, (e) => {
          if (!(e instanceof GitHubApiError)) return undefined;
          if (e.status === 422 && /already exists/i.test(e.githubMessage))
            return `Branch '${branch}' exists already: push_files to it, or choose another name`;
          if (e.status === 404 && from_branch !== undefined && /\/git\/ref\//.test(e.message))
            return `Branch '${from_branch}' does not exist in ${owner}/${repo}: leave from_branch out to start from the default branch, or fix its spelling`;
          return undefined;
        });
      }
    },
  );
};
