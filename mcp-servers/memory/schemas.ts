import type { McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '#core';
import type { Sql } from '#stores/sql';
import type { SemanticIndex } from './semantic-index.js';

/** What every tool of this server is given. */
export interface MemoryToolDeps {
  /** Migrated to at least migration 2 (memory_graph) by whoever opened it. */
  sql: Sql;
  index: SemanticIndex;
  logger: Logger;
  /** Aborted by the server's cleanup, so a long import stops between batches. */
  shutdown: AbortSignal;
}

export type RegisterTool = (server: McpServer, deps: MemoryToolDeps) => void;

/** The reference server's annotations for its writes: nothing outside this graph is touched. */
export const ADDITIVE = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
} as const;

export const DESTRUCTIVE = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false,
} as const;

export const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;
