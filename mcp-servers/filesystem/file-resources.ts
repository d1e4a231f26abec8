import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ResourceTemplate, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { McpServer, ReadResourceResult } from '@modelcontextprotocol/server';
import { SwitchyardError } from '#core';
import { readLimited } from './safe-fs.js';
import type { FsToolDeps } from './schemas.js';
import { mimeTypeOf } from './tools/read-media-file-tool.js';

/** How many files a resources/list names: the files directly inside each root, no deeper. */
const MAX_LISTED = 200;

/**
 * Files inside the allowed roots as `file:///…` resources, so a client can attach one as context
 * without a tool call. Reads go through the same guard, verified open and size limit as the tools:
 * a resource is never a way around them. UTF-8 text comes back as text, anything else as a blob.
 */
export function registerFileResources(server: McpServer, deps: FsToolDeps): void {
  server.registerResource(
    'file',
    new ResourceTemplate('file://{+path}', {
      list: async () => ({ resources: await listRootFiles(deps) }),
      complete: { path: (prefix) => completePath(deps, prefix) },
    }),
    {
      title: 'File',
      description: 'A file inside the allowed directories (file:///absolute/path)',
    },
    async (uri): Promise<ReadResourceResult> => {
      let path: string;
      try {
        // Percent-escapes are decoded here, once, by the URL parser (a file name may contain %).
        path = fileURLToPath(uri);
      } catch (error) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `not a file URI: ${uri.href} (${String(error)})`,
        );
      }
      try {
        const { real } = await deps.guard.resolve(path, 'existing');
        const data = await readLimited(deps.guard, real, path, deps.maxReadBytes);
        const text = utf8(data);
        const mimeType = text === undefined ? mimeTypeOf(real) : textMimeType(real);
        return {
          contents: [
            text === undefined
              ? { uri: uri.href, mimeType, blob: data.toString('base64') }
              : { uri: uri.href, mimeType, text },
          ],
        };
      } catch (error) {
        // A resource read has no isError result: a refused or missing path is the client's invalid parameter.
        if (error instanceof SwitchyardError)
          throw new ProtocolError(ProtocolErrorCode.InvalidParams, error.message);
        throw error;
      }
    },
  );
}

async function listRootFiles(deps: FsToolDeps) {
  const resources: Array<{ uri: string; name: string; mimeType?: string }> = [];
  for (const root of deps.guard.roots()) {
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      // Symlinks are left out: only what is certainly inside the root is offered.
      if (!entry.isFile() || resources.length >= MAX_LISTED) continue;
      const path = join(root, entry.name);
      const mimeType = mimeTypeOf(path);
      // The type of an unknown extension is only known once read (text or not): left out here.
      resources.push({
        uri: pathToFileURL(path).href,
        name: entry.name,
        ...(mimeType === 'application/octet-stream' ? {} : { mimeType }),
      });
    }
  }
  return resources;
}

/** Completes the last path segment from the directory the prefix names, inside the roots only. */
async function completePath(deps: FsToolDeps, prefix: string): Promise<string[]> {
  const path = prefix.startsWith('/') ? prefix : `/${prefix}`;
  const directory = path.endsWith('/') ? path : dirname(path);
  const start = path.endsWith('/') ? '' : basename(path);
  try {
    const { real } = await deps.guard.resolve(directory, 'existing');
    const entries = await readdir(real, { withFileTypes: true });
    return entries
      .filter((entry) => entry.name.startsWith(start))
      .map((entry) => join(directory, entry.name) + (entry.isDirectory() ? '/' : ''))
      .sort()
      .slice(0, 100);
  } catch {
    // Completion is a convenience: a refused or missing directory simply completes to nothing.
    return [];
  }
}

/** The text, when the bytes are valid UTF-8 without NUL bytes; otherwise undefined (binary). */
function utf8(data: Buffer): string | undefined {
  if (data.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return undefined;
  }
}

function textMimeType(path: string): string {
  const known = mimeTypeOf(path);
  if (known === 'image/svg+xml') return known;
  return known === 'application/octet-stream' ? 'text/plain' : known;
}
