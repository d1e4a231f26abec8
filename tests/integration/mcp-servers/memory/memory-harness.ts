import { connectInMemory, dataOf, textOf } from '../../../support/in-memory-mcp.js';
import { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { silentLogger } from '../../../../core/logger.js';
import { createServer } from '../../../../mcp-servers/memory/create-server.js';
import { LocalEmbedder } from '../../../../stores/embeddings/local-embedder.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { MemoryVectorStore } from '../../../../stores/vector/backends/memory/memory-vector-store.js';
import type { VectorStore } from '../../../../stores/vector/types.js';

/** The real memory server on a migrated SQL store, with an SDK client linked in memory. */
export interface ConnectedMemory {
  client: Client;
  sql: Sql;
  store: VectorStore;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function openMigratedPglite(): Promise<Sql> {
  const sql = await PgliteSql.open();
  await migrate(sql, MIGRATIONS);
  return sql;
}

/** Connects a server to `sql` (a fresh PGlite when absent; closed by close() only then). */
export async function connectMemory(
  options: { sql?: Sql; store?: VectorStore } = {},
): Promise<ConnectedMemory> {
  const sql = options.sql ?? (await openMigratedPglite());
  const store = options.store ?? new MemoryVectorStore();
  const connection = await connectInMemory(
    createServer({ sql, store, embedder: new LocalEmbedder(), logger: silentLogger }),
    new Client({ name: 'memory-test', version: '1.0.0' }),
  );
  return {
    client: connection.client,
    sql,
    store,
    call: connection.call,
    close: async () => {
      await connection.close();
      if (!options.sql) await sql.close();
    },
  };
}

export { dataOf, textOf };
