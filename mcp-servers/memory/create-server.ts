import { McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '#core';
import type { CreatedServer } from '#runtime/mcp';
import type { Embedder } from '#stores/embeddings';
import type { Sql } from '#stores/sql';
import type { VectorStore } from '#stores/vector';
import { PathGuard, resolveConfiguredRoots } from '../filesystem/path-guard.js';
import { registerGraphResources } from './graph-resources.js';
import type { MemoryToolDeps, RegisterTool } from './schemas.js';
import { SemanticIndex } from './semantic-index.js';
import { registerAddObservationsTool } from './tools/add-observations-tool.js';
import { registerCreateEntitiesTool } from './tools/create-entities-tool.js';
import { registerCreateRelationsTool } from './tools/create-relations-tool.js';
import { registerDeleteEntitiesTool } from './tools/delete-entities-tool.js';
import { registerDeleteObservationsTool } from './tools/delete-observations-tool.js';
import { registerDeleteRelationsTool } from './tools/delete-relations-tool.js';
import { registerGetRelatedTool } from './tools/get-related-tool.js';
import { registerImportMemoryFileTool } from './tools/import-memory-file-tool.js';
import { registerOpenNodesTool } from './tools/open-nodes-tool.js';
import { registerReadGraphTool } from './tools/read-graph-tool.js';
import { registerSearchNodesTool } from './tools/search-nodes-tool.js';
import { registerSemanticSearchTool } from './tools/semantic-search-tool.js';

export const SERVER_NAME = 'switchyard-memory';
/** Kept equal to package.json's version (importing package.json would pull it into the build's rootDir). */
export const SERVER_VERSION = '0.1.0';

// The reference server's nine tools first, in its order, then Switchyard's.
const TOOLS: readonly RegisterTool[] = [
  registerCreateEntitiesTool,
  registerCreateRelationsTool,
  registerAddObservationsTool,
  registerDeleteEntitiesTool,
  registerDeleteObservationsTool,
  registerDeleteRelationsTool,
  registerReadGraphTool,
  registerSearchNodesTool,
  registerOpenNodesTool,
  registerSemanticSearchTool,
  registerGetRelatedTool,
];

/**
 * The memory server: a knowledge graph in the SQL store, drop-in compatible with
 * @modelcontextprotocol/server-memory, with a semantic index in `store` kept in step with writes.
 * `sql` must be migrated (migration 2, memory_graph); `sql`, `store` and `embedder` are owned by
 * the caller (cleanup does not close them). Several instances and processes may share one database.
 * A bad root in `roots` fails here with a ConfigError, as it does in the filesystem server.
 */
export function createServer(deps: {
  sql: Sql;
  store: VectorStore;
  embedder: Embedder;
  logger: Logger;
  /** The vector collection of the semantic index. @defaultValue 'memory-graph' */
  collection?: string;
  /**
   * The filesystem server's roots (filesystem.roots): the only directories import_memory_file
   * reads a `path` from. @defaultValue [] (import_memory_file takes `text` only)
   */
  roots?: readonly string[];
}): CreatedServer {
  const shutdown = new AbortController();
  const toolDeps: MemoryToolDeps = {
    sql: deps.sql,
    index: new SemanticIndex(deps, deps.collection),
    logger: deps.logger,
    shutdown: shutdown.signal,
  };
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      instructions:
        'A persistent knowledge graph: entities (name, type, observations) and directed relations between ' +
        'them. Store facts with create_entities / add_observations / create_relations; recall with ' +
        'search_nodes (words), semantic_search (meaning), open_nodes (names) and get_related (neighbourhood).',
    },
  );
  for (const register of TOOLS) register(server, toolDeps);
  // Apart because it alone reads files: it gets the filesystem server's own guard, so it reaches
  // nothing that server could not. Still registered last, after Switchyard's other tools.
  registerImportMemoryFileTool(server, {
    ...toolDeps,
    files: new PathGuard(resolveConfiguredRoots(deps.roots ?? [])),
  });
  registerGraphResources(server, toolDeps);
  return {
    server,
    // Stops an import still running for this instance (between batches); the stores stay open.
    cleanup: async () => shutdown.abort(new Error('memory server closed')),
  };
}
