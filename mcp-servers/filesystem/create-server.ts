import { McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '#core';
import type { CreatedServer } from '#runtime/mcp';
import { followClientRoots } from './client-roots.js';
import { registerFileResources } from './file-resources.js';
import { PathGuard, resolveConfiguredRoots } from './path-guard.js';
import {
  assertRootsClear,
  type ProtectedDirectories,
  resolveProtectedDirectories,
} from './protected-directories.js';
import { DEFAULT_MAX_BYTES } from './safe-fs.js';
import type { FsToolDeps, RegisterTool } from './schemas.js';
import { registerCreateDirectoryTool } from './tools/create-directory-tool.js';
import { registerDirectoryTreeTool } from './tools/directory-tree-tool.js';
import { registerEditFileTool } from './tools/edit-file-tool.js';
import { registerGetFileInfoTool } from './tools/get-file-info-tool.js';
import { registerListAllowedDirectoriesTool } from './tools/list-allowed-directories-tool.js';
import { registerListDirectoryTool } from './tools/list-directory-tool.js';
import { registerMoveFileTool } from './tools/move-file-tool.js';
import { registerReadMediaFileTool } from './tools/read-media-file-tool.js';
import { registerReadMultipleFilesTool } from './tools/read-multiple-files-tool.js';
import { registerReadTextFileTool } from './tools/read-text-file-tool.js';
import { registerSearchFilesTool } from './tools/search-files-tool.js';
import { registerWriteFileTool } from './tools/write-file-tool.js';

export const SERVER_NAME = 'switchyard-filesystem';
/** Kept equal to package.json's version (importing package.json would pull it into the build's rootDir). */
export const SERVER_VERSION = '0.1.0';

const TOOLS: readonly RegisterTool[] = [
  registerReadTextFileTool,
  registerReadMediaFileTool,
  registerReadMultipleFilesTool,
  registerWriteFileTool,
  registerEditFileTool,
  registerCreateDirectoryTool,
  registerListDirectoryTool,
  registerDirectoryTreeTool,
  registerMoveFileTool,
  registerSearchFilesTool,
  registerGetFileInfoTool,
  registerListAllowedDirectoriesTool,
];

export interface FilesystemServerDeps {
  /** Directories the server may use; each must exist. Checked (and symlinks resolved) here. */
  roots: string[];
  logger: Logger;
  /** @defaultValue 10 MiB */
  maxReadBytes?: number;
  /** @defaultValue 10 MiB */
  maxWriteBytes?: number;
  /**
   * Directories no root may expose (Switchyard's home, the config file's directory): a configured
   * root that does fails here; a client root that does is ignored. @defaultValue none
   */
  protectedDirectories?: ProtectedDirectories;
}

/**
 * The filesystem server: files inside the configured roots, narrowed by the client's MCP roots
 * when it offers them (see client-roots.ts). A bad root (missing, not a directory, exposing a
 * protected directory) fails here, at startup, with a ConfigError.
 */
export function createServer(deps: FilesystemServerDeps): CreatedServer {
  const configured = resolveConfiguredRoots(deps.roots);
  const protectedPaths = resolveProtectedDirectories(deps.protectedDirectories ?? {});
  assertRootsClear(configured, protectedPaths);
  const guard = new PathGuard(configured);
  const shutdown = new AbortController();
  const toolDeps: FsToolDeps = {
    guard,
    logger: deps.logger,
    maxReadBytes: positive(deps.maxReadBytes, 'maxReadBytes'),
    maxWriteBytes: positive(deps.maxWriteBytes, 'maxWriteBytes'),
    shutdown: shutdown.signal,
  };
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      instructions:
        'Files inside the allowed directories only (list_allowed_directories). Read with read_text_file, ' +
        'change part of a file with edit_file (dryRun first), find files with search_files.',
    },
  );
  for (const register of TOOLS) register(server, toolDeps);
  registerFileResources(server, toolDeps);
  followClientRoots(server, guard, configured, deps.logger, protectedPaths);
  return {
    server,
    // Stops tree walks and searches still running for this instance.
    cleanup: async () => shutdown.abort(new Error('filesystem server closed')),
  };
}

function positive(value: number | undefined, name: string): number {
  if (value === undefined) return DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
