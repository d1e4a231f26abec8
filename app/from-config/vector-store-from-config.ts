import { join } from 'node:path';
import type { Config } from '../config/config-schema.js';
import { ConfigError, type Logger } from '#core';
import type { Sql } from '#stores/sql';
import {
  ChromaVectorStore,
  FaissVectorStore,
  MemoryVectorStore,
  PgvectorStore,
  QdrantVectorStore,
  type BackendName,
  type VectorStore,
} from '#stores/vector';

/**
 * Opens the vector backend `backend` (the configured one unless named) as the configuration
 * describes it. pgvector works in the SQL store the caller opened (PGlite or DATABASE_URL).
 */
export async function openVectorStore(
  config: Config,
  deps: { sql: Sql; logger: Logger },
  backend: BackendName = config.vector.backend,
): Promise<VectorStore> {
  const { vector } = config;
  const logger = deps.logger.child({ component: 'vector', backend });
  switch (backend) {
    case 'memory':
      return new MemoryVectorStore();
    case 'pgvector':
      return new PgvectorStore(deps.sql, {
        efSearch: vector.pgvector.efSearch,
        exact: vector.pgvector.exact,
        logger,
      });
    case 'faiss':
      return FaissVectorStore.open({
        directory: vector.faiss.path ?? join(config.home, 'faiss'),
        index: vector.faiss.index,
        logger,
      });
    case 'chroma':
      return ChromaVectorStore.open({
        url: required(vector.chroma.url, 'chroma', 'CHROMA_URL', 'vector.chroma.url'),
      });
    case 'qdrant':
      return QdrantVectorStore.open({
        url: required(vector.qdrant.url, 'qdrant', 'QDRANT_URL', 'vector.qdrant.url'),
        apiKey: vector.qdrant.apiKey,
        logger,
      });
  }
}

function required(value: string | undefined, backend: string, env: string, field: string): string {
  if (!value) {
    throw new ConfigError(`the ${backend} vector backend needs a server URL: set ${env} or ${field}`, {
      field,
    });
  }
  return value;
}
