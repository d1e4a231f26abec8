import { z } from 'zod';
import { contentsShape, readContents, repoPath } from '../contents.js';
import { owner, repo, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerGetFileContentsTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'get_file_contents',
    {
      title: 'Get file or directory contents',
      description:
        'Reads a file or lists a directory of a repository, on the default branch or at `ref`. A file ' +
        'returns its text (encoding "utf-8"), or base64 with binary: true when it is not UTF-8 text, ' +
        'plus its size and sha; files over 1 MB come back with encoding "none" and a download_url. A ' +
        'directory (path "" is the root) returns its entries with name, path, type, size and sha.',
      inputSchema: {
        owner,
        repo,
        path: repoPath.default('').describe('Path in the repository, e.g. "src/index.ts"; "" for the root'),
        ref: z
          .string()
          .min(1)
          .max(250)
          .optional()
          .describe('Branch, tag or commit sha; the default branch when left out'),
      },
      outputSchema: contentsShape,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ owner, repo, path, ref }, extra) => {
      try {
        return dataResult(await readContents(deps.octokit, { owner, repo, path, ref }, deps.call(extra)));
      } catch (error) {
        return errorResult(error, 'get_file_contents', deps);
      }
    },
  );
};
