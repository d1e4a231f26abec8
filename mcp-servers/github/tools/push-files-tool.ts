import { z } from 'zod';
import { progressReporter } from '#runtime/mcp';
import { repoPath } from '../contents.js';
import { GitHubApiError } from '../github-errors.js';
import { BranchMovedError, pushCommit } from '../push-commit.js';
import { branchName, owner, repo, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

const MAX_FILES = 100;
const MAX_FILE_CHARS = 5_000_000;

const fileSchema = z.object({
  path: repoPath
    .refine((p) => p !== '', { message: 'a file path cannot be empty' })
    .describe('e.g. "docs/setup.md"'),
  content: z.string().max(MAX_FILE_CHARS).describe('The whole new content of the file'),
  encoding: z
    .enum(['utf-8', 'base64'])
    .default('utf-8')
    .describe('utf-8 (default) for text; base64 when content is base64-encoded binary'),
});

export const registerPushFilesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'push_files',
    {
      title: 'Push files in one commit',
      description:
        'Creates or replaces files on an existing branch as ONE commit with the given message; other ' +
        'files stay as they are (nothing is deleted). Each file is given whole (no patches). The branch ' +
        'must exist (create_branch first); if someone else pushes to it meanwhile, nothing is changed ' +
        'and the call fails so it can be made again. Sends progress notifications when asked.',
      inputSchema: {
        owner,
        repo,
        branch: branchName.describe('The branch to commit to, e.g. "fix/typo-in-readme"'),
        message: z.string().trim().min(1).max(65_536).describe('The commit message'),
        files: z
          .array(fileSchema)
          .min(1)
          .max(MAX_FILES)
          .refine((files) => new Set(files.map((f) => f.path)).size === files.length, {
            message: 'each path may appear once',
          })
          .describe(`1 to ${MAX_FILES} files`),
      },
      outputSchema: {
        branch: z.string(),
        commit_sha: z.string(),
        tree_sha: z.string(),
        parent_sha: z.string().describe('The commit the branch was at before'),
        files: z.array(z.string()),
        html_url: z.string(),
      },
      // Destructive: files at the given paths are replaced. Not idempotent: each call adds a commit.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async ({ owner, repo, branch, message, files }, extra) => {
      const report = progressReporter(extra, deps.logger);
      try {
        const push = { owner, repo, branch, message, files };
        return dataResult(await pushCommit(deps.octokit, push, deps.call(extra), report));
      } catch (error) {
        return errorResult(error, 'push_files', deps, (e) => {
          if (e instanceof BranchMovedError)
            return 'Call push_files again: the commit will be made on top of the new head (read the changed files first if yours may conflict)';
          if (e instanceof GitHubApiError && e.status === 404 && /\/git\/ref\//.test(e.message))
            return `Branch '${branch}' does not exist in ${owner}/${repo}: create_branch first (or check owner, repo and branch spelling)`;
          return undefined;
        });
      }
    },
  );
};
