import { quoteIdent } from '../../../stores/sql/sql.js';
import type { Metric } from '../../../stores/vector/types.js';
import type { RawClient } from '../raw-client.js';

/**
 * One connection, as both `pg.Client` and `PGlite` provide it. Transactions are plain
 * BEGIN … COMMIT on it, so it must not be a pool.
 */
export interface RawPgvectorConnection {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface RawPgvectorOptions {
  /** Schema of the benchmark table. @defaultValue 'public' */
  schema?: string;
  /** `hnsw.ef_search`, raised to topK when smaller (as the layer does). @defaultValue 100 */
  efSearch?: number;
  /** Records per INSERT (as the layer's batchSize). @defaultValue 500 */
  batchSize?: number;
  /**
   * Load as pgvector's documentation says to: rows into a table without the index, then the
   * index built once in finishLoad() under `maintenance_work_mem` (the same as the layer's bulk
   * path). When false the index exists from create() and every insert updates it.
   * @defaultValue true
   */
  indexAfterLoad?: boolean;
  /** `maintenance_work_mem` of the index build in finishLoad(). @defaultValue '512MB' */
  maintenanceWorkMem?: string;
  /** Called by close() after the table is dropped, e.g. `() => client.end()`. */
  release?: () => Promise<void>;
}

const METRIC_SQL: Record<Metric, { operator: string; opclass: string }> = {
  cosine: { operator: '<=>', opclass: 'vector_cosine_ops' },
  l2: { operator: '<->', opclass: 'vector_l2_ops' },
  ip: { operator: '<#>', opclass: 'vector_ip_ops' },
};

/**
 * pgvector driven with plain SQL: the same table shape, HNSW index (m 16, ef_construction 64)
 * built after the load, unnest batch insert in one transaction, SET LOCAL ef_search / iterative scan and
 * `ORDER BY embedding <op> $1 LIMIT k` that PgvectorStore uses, without its catalog, validation,
 * filter compiler or result mapping.
 */
export class RawPgvectorClient implements RawClient {
  readonly backend = 'pgvector';
  private readonly schema: string;
  private readonly efSearch: number;
  private readonly batchSize: number;
  private table: string | null = null;
  private operator = '<=>';
  private opclass = 'vector_cosine_ops';
  private readonly indexAfterLoad: boolean;
  private iterativeScan = false;

  constructor(
    private readonly connection: RawPgvectorConnection,
    private readonly options: RawPgvectorOptions = {},
  ) {
    this.schema = options.schema ?? 'public';
    this.efSearch = options.efSearch ?? 100;
    this.batchSize = options.batchSize ?? 500;
    this.indexAfterLoad = options.indexAfterLoad ?? true;
  }

  async create(name: string, dimension: number, metric: Metric): Promise<void> {
    await this.connection.query('CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public');
    const { rows } = await this.connection.query(
      `SELECT extversion FROM pg_extension WHERE extname = 'vector'`,
    );
    const [major = 0, minor = 0] = String((rows[0] as { extversion?: string })?.extversion ?? '0.0')
      .split('.')
      .map(Number);
    this.iterativeScan = major > 0 || minor >= 8;
    const { operator, opclass } = METRIC_SQL[metric];
    this.operator = operator;
    this.opclass = opclass;
    this.table = `${quoteIdent(this.schema)}.${quoteIdent(`raw_${name}`.slice(0, 63))}`;
    await this.connection.query(`CREATE TABLE ${this.table} (
      id text PRIMARY KEY,
      embedding vector(${Math.trunc(dimension)}) NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
      document text
    )`);
    if (!this.indexAfterLoad) await this.createIndex();
  }

  async finishLoad(): Promise<void> {
    if (!this.indexAfterLoad) return;
    await this.inTransaction(async () => {
      await this.connection.query(`SELECT set_config('maintenance_work_mem', $1, true)`, [
        this.options.maintenanceWorkMem ?? '512MB',
      ]);
      await this.createIndex();
    });
  }

  private async createIndex(): Promise<void> {
    await this.connection.query(
      `CREATE INDEX ON ${this.requireTable()} USING hnsw (embedding ${this.opclass}) WITH (m = 16, ef_construction = 64)`,
    );
  }

  async upsert(
    records: readonly { id: string; vector: number[]; metadata: Record<string, unknown> }[],
  ): Promise<void> {
    const table = this.requireTable();
    await this.inTransaction(async () => {
      for (let offset = 0; offset < records.length; offset += this.batchSize) {
        const batch = records.slice(offset, offset + this.batchSize);
        await this.connection.query(
          `INSERT INTO ${table} (id, embedding, metadata)
           SELECT r.id, r.embedding::vector, r.metadata::jsonb
           FROM unnest($1::text[], $2::text[], $3::text[]) AS r(id, embedding, metadata)
           ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata`,
          [
            batch.map((record) => record.id),
            batch.map((record) => `[${record.vector.join(',')}]`),
            batch.map((record) => JSON.stringify(record.metadata)),
          ],
        );
      }
    });
  }

  async query(vector: number[], topK: number): Promise<string[]> {
    const table = this.requireTable();
    const k = Math.trunc(topK);
    const rows = await this.inTransaction(async () => {
      await this.connection.query(
        this.iterativeScan
          ? `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`
          : `SELECT set_config('hnsw.ef_search', $1, true)`,
        [String(Math.min(1000, Math.max(this.efSearch, k)))],
      );
      const result = await this.connection.query(
        // The same columns the layer returns with every match (its contract), so both do the same work.
        `SELECT id, metadata, document, embedding ${this.operator} $1::vector AS distance FROM ${table}
         ORDER BY embedding ${this.operator} $1::vector LIMIT ${k}`,
        [`[${vector.join(',')}]`],
      );
      return result.rows as { id: string; distance: number }[];
    });
    // relaxed_order may return rows slightly out of order, as the layer also corrects.
    return rows.sort((a, b) => a.distance - b.distance).map((row) => row.id);
  }

  async close(): Promise<void> {
    if (this.table) await this.connection.query(`DROP TABLE IF EXISTS ${this.table}`);
    this.table = null;
    await this.options.release?.();
  }

  private requireTable(): string {
    if (!this.table) throw new Error('RawPgvectorClient: call create() first');
    return this.table;
  }

  private async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.query('BEGIN');
    try {
      const value = await work();
      await this.connection.query('COMMIT');
      return value;
    } catch (error) {
      await this.connection.query('ROLLBACK');
      throw error;
    }
  }
}
