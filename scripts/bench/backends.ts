import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../app/database/schema-migrations.js';
import { PgSql } from '../../stores/sql/pg-sql.js';
import { PgliteSql } from '../../stores/sql/pglite-sql.js';
import { ChromaVectorStore } from '../../stores/vector/backends/chroma/chroma-vector-store.js';
import { FAISS_DEFAULTS } from '../../stores/vector/backends/faiss/faiss-options.js';
import { FaissVectorStore } from '../../stores/vector/backends/faiss/faiss-vector-store.js';
import { PgvectorStore } from '../../stores/vector/backends/pgvector/pgvector-store.js';
import { QdrantVectorStore } from '../../stores/vector/backends/qdrant/qdrant-vector-store.js';
import type { VectorStore } from '../../stores/vector/types.js';
import { startChromaServer } from '../../tests/support/chroma-server.js';
import { ChromaRawClient } from './raw/chroma.js';
import { FaissRawClient } from './raw/faiss.js';
import { RawPgvectorClient } from './raw/pgvector.js';
import { QdrantRawClient } from './raw/qdrant.js';
import type { RawClient } from './raw-client.js';

/** One backend as the benchmark sees it: the layer's store and the same backend's raw client. */
export interface BenchBackend {
  name: string;
  /** Approximate search: the recall target applies. */
  ann: boolean;
  /** Why it cannot run here, or null. */
  unavailable(): Promise<string | null>;
  open(
    options: BenchOpenOptions,
  ): Promise<{ store: VectorStore; raw: RawClient | null; notes?: string[]; close(): Promise<void> }>;
}

export interface BenchOpenOptions {
  /** The load is one upsert call (the layer's bulk path); false: calls of 1000, index present. */
  bulk: boolean;
}

/** The PostgreSQL server of bench:vector's `pgvector (postgres)` row. */
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** FAISS in memory (no directory): the layer's own persistence is not what a query measures. */
function faissBackend(index: 'flat' | 'hnsw'): BenchBackend {
  return {
    name: `faiss (${index})`,
    ann: index === 'hnsw',
    unavailable: async () => {
      try {
        createRequire(import.meta.url)('faiss-node');
        return null;
      } catch {
        return 'the faiss-node addon is not built (apt-get install libfaiss-dev; npm run setup)';
      }
    },
    open: async () => {
      const store = await FaissVectorStore.open({ index });
      return {
        store,
        raw: new FaissRawClient({
          index,
          hnsw: { efSearch: FAISS_DEFAULTS.efSearch, efConstruction: FAISS_DEFAULTS.efConstruction },
        }),
        close: () => store.close(),
      };
    },
  };
}

export const BENCH_BACKENDS: BenchBackend[] = [
  faissBackend('flat'),
  faissBackend('hnsw'),
  {
    // The embedded default: PGlite (WASM, one connection) on a temporary data directory. The raw
    // client runs its SQL on the same PGlite instance, so both see the same engine.
    name: 'pgvector (pglite)',
    ann: true,
    unavailable: async () => null,
    open: async ({ bulk }) => {
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-pglite-'));
      const sql = await PgliteSql.open({ dataDir: dir });
      await migrate(sql, MIGRATIONS);
      const store = new PgvectorStore(sql);
      return {
        store,
        raw: new RawPgvectorClient(sql.pglite, { indexAfterLoad: bulk }),
        close: async () => {
          await store.close();
          await sql.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    // The same layer on a PostgreSQL server (DATABASE_URL, else the local test database), in a
    // schema of its own that is dropped at the end; only where the server has pgvector.
    name: 'pgvector (postgres)',
    ann: true,
    unavailable: async () => {
      const sql = new PgSql({ connectionString: POSTGRES_URL, retryForMs: 0 });
      try {
        await sql.open();
        const { rows } = await sql.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`);
        return rows.length > 0
          ? null
          : `the PostgreSQL server at ${redact(POSTGRES_URL)} has no pgvector extension`;
      } catch (error) {
        return `no PostgreSQL server at ${redact(POSTGRES_URL)} (${error instanceof Error ? error.message : String(error)})`;
      } finally {
        await sql.close();
      }
    },
    open: async ({ bulk }) => {
      const schema = `bench_vector_${process.pid}`;
      const sql = await new PgSql({ connectionString: POSTGRES_URL, schema }).open();
      await migrate(sql, MIGRATIONS);
      const store = new PgvectorStore(sql);
      const rawConnection = new pg.Client({ connectionString: POSTGRES_URL });
      await rawConnection.connect();
      return {
        store,
        raw: new RawPgvectorClient(rawConnection, {
          schema,
          indexAfterLoad: bulk,
          release: () => rawConnection.end(),
        }),
        close: async () => {
          await store.close();
          await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await sql.close();
        },
      };
    },
  },
  {
    name: 'chroma',
    ann: true,
    unavailable: async () => null,
    open: async () => {
      // CHROMA_URL: a server of the user's; otherwise a local one from the chromadb package.
      const server = process.env.CHROMA_URL ? null : await startChromaServer();
      const url = process.env.CHROMA_URL ?? server!.url;
      const store = await ChromaVectorStore.open({ url });
      return {
        store,
        raw: new ChromaRawClient({ url }),
        notes: server ? ['local Chroma 1.0.5 server started by the benchmark'] : [],
        close: async () => {
          await store.close();
          await server?.stop();
        },
      };
    },
  },
  {
    name: 'qdrant',
    ann: true,
    unavailable: async () => (process.env.QDRANT_URL ? null : 'QDRANT_URL is not set'),
    open: async () => {
      const url = process.env.QDRANT_URL!;
      const store = await QdrantVectorStore.open({ url, apiKey: process.env.QDRANT_API_KEY });
      return {
        store,
        raw: new QdrantRawClient({ url, apiKey: process.env.QDRANT_API_KEY }),
        close: () => store.close(),
      };
    },
  },
];

/** A URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
