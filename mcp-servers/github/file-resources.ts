import { ResourceTemplate, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { McpServer, ReadResourceResult } from '@modelcontextprotocol/server';
import { readContents } from './contents.js';
import { GitHubApiError } from './github-errors.js';
import type { GitHubToolDeps } from './schemas.js';
import { genericHint } from './tool-result.js';

export const FILE_TEMPLATE = 'github://repos/{owner}/{repo}/contents/{+path}';

/**
 * `github://repos/{owner}/{repo}/contents/{+path}`: a file on the default branch (text, or a blob
 * when binary) or a directory listing as JSON, so a client can attach repository files as context.
 * Not listable (a repository has too many files); get_file_contents reads other refs.
 */
export function registerFileResources(server: McpServer, deps: GitHubToolDeps): void {
  server.registerResource(
    'file',
    new ResourceTemplate(FILE_TEMPLATE, { list: undefined }),
    {
      title: 'GitHub file',
      description:
        "A file or directory of a repository's default branch, e.g. github://repos/octo/hello/contents/README.md",
    },
    async (uri, variables, ctx): Promise<ReadResourceResult> => {
      const value = (name: string) => decodeURIComponent(String(variables[name]));
      const where = {
        owner: value('owner'),
        repo: value('repo'),
        path: value('path').replace(/^\/+|\/+$/g, ''),
      };
      try {
        const contents = await readContents(deps.octokit, where, deps.call(ctx));
        if (contents.type === 'dir') {
          const text = JSON.stringify({ path: contents.path, entries: contents.entries });
          return { contents: [{ uri: uri.href, mimeType: 'application/json', text }] };
        }
        if (contents.encoding === 'base64')
          return {
            contents: [{ uri: uri.href, mimeType: 'application/octet-stream', blob: contents.content ?? '' }],
          };
        if (contents.encoding === 'utf-8')
          return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: contents.content ?? '' }] };
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `${where.path} is a ${contents.type === 'file' ? 'file too large for the contents API' : contents.type}; ` +
            'call get_file_contents for its details',
        );
      } catch (error) {
        if (error instanceof ProtocolError) throw error;
        // A resource read has no isError result: a missing file is the client's invalid parameter.
        const hint = genericHint(error, deps);
        const message = `${error instanceof Error ? error.message : String(error)}${hint ? `. ${hint}` : ''}`;
        if (error instanceof GitHubApiError && error.status < 500)
          throw new ProtocolError(ProtocolErrorCode.InvalidParams, message);
        deps.logger.error({ err: error, uri: uri.href }, 'github resource read failed');
        throw new ProtocolError(ProtocolErrorCode.InternalError, message);
      }
    },
  );
}
