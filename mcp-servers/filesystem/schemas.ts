import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Logger } from '#core';
import type { PathGuard } from './path-guard.js';

/** What every tool of this server is given. */
export interface FsToolDeps {
  guard: PathGuard;
  logger: Logger;
  /** Largest file one call reads whole (head/tail read a window of this size instead). */
  maxReadBytes: number;
  /** Largest content one call writes. */
  maxWriteBytes: number;
  /** Aborted by the server's cleanup, so walks stop when the server goes away. */
  shutdown: AbortSignal;
}

export type RegisterTool = (server: McpServer, deps: FsToolDeps) => void;

export const pathSchema = z
  .string()
  .min(1)
  .describe(
    'Absolute path inside an allowed directory, or a path relative to the first one (list_allowed_directories)',
  );

/** Bounds on directory_tree and search_files, so one call cannot walk a whole disk. */
export const MAX_WALK_ENTRIES = 10_000;
export const MAX_WALK_DEPTH = 32;

export const entryType = z.enum(['file', 'directory', 'symlink', 'other']);
export type EntryType = z.infer<typeof entryType>;

export const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
