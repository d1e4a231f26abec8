import { McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '#core';
import type { CreatedServer } from '#runtime/mcp';
import type { Embedder } from '#stores/embeddings';
import type { VectorStore } from '#stores/vector';
import { type ChunkOptions, resolveChunkOptions } from './chunk.js';
import { registerCollectionResources } from './collection-resources.js';
import type { RegisterTool, VectorToolDeps } from './schemas.js';
import { registerSearchPrompt } from './search-prompt.js';
import { registerCreateCollectionTool } from './tools/create-collection-tool.js';
import { registerDeleteTool } from './tools/delete-tool.js';
import { registerDescribeCollectionTool } from './tools/describe-collection-tool.js';
import { registerDropCollectionTool } from './tools/drop-collection-tool.js';
import { registerListCollectionsTool } from './tools/list-collections-tool.js';
import { registerQueryTool } from './tools/query-tool.js';
import { registerUpsertDocumentsTool } from './tools/upsert-documents-tool.js';
import { registerUpsertVectorsTool } from './tools/upsert-vectors-tool.js';

export const SERVER_NAME = 'switchyard-vector';
/** Kept equal to package.json's version (importing package.json would pull it into the build's rootDir). */
export const SERVER_VERSION = '0.1.0';

const TOOLS: readonly RegisterTool[] = [
  registerCreateCollectionTool,
  registerListCollectionsTool,
  registerDescribeCollectionTool,
  registerDropCollectionTool,
  registerUpsertDocumentsTool,
  registerUpsertVectorsTool,
  registerQueryTool,
  registerDeleteTool,
];

/**
 * The vector server: collections of documents over a {@link VectorStore} and an {@link Embedder},
 * both chosen by configuration and owned by the caller (cleanup does not close them).
 * `chunking` is validated here, so a bad configuration fails at startup, not at the first upsert.
 */
export function createServer(deps: {
  store: VectorStore;
  embedder: Embedder;
  logger: Logger;
  chunking?: ChunkOptions;
}): CreatedServer {
  const shutdown = new AbortController();
  const toolDeps: VectorToolDeps = {
    store: deps.store,
    embedder: deps.embedder,
    logger: deps.logger,
    chunking: resolveChunkOptions(deps.chunking),
    shutdown: shutdown.signal,
  };
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      instructions:
        'Collections of text documents searchable by meaning. create_collection, then upsert_documents, ' +
        'then query with text; filters select by metadata. Read vector://collections for what exists.',
    },
  );
  for (const register of TOOLS) register(server, toolDeps);
  registerCollectionResources(server, toolDeps);
  registerSearchPrompt(server);
  return {
    server,
    // Stops upserts still running for this instance (between batches); the store stays open.
    cleanup: async () => shutdown.abort(new Error('vector server closed')),
  };
}
