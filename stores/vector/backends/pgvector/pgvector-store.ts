import type { Sql, SqlExecutor } from '../../../sql/sql.js';
import { inBatches } from '../../batches.js';
import type { FilterInput } from '../../filter/filter-ast.js';
import { parseFilter } from '../../filter/parse-filter.js';
import type {
  CollectionInfo,
  CollectionSpec,
  DeleteSelector,
  Metric,
  QueryMatch,
  QueryRequest,
  VectorRecord,
  VectorStore,
} from '../../types.js';
import {
  assertCollectionName,
  assertCollectionSpec,
  assertSameSpec,
  validateIds,
  validateQuery,
  validateRecords,
} from '../../validate.js';
import { compileSqlFilter } from './compile-sql-filter.js';
import { lockForWrites, rebuildWithRecords } from './pgvector-bulk-load.js';
import { countRows, PgvectorCatalog, type Setting } from './pgvector-catalog.js';
import { detectPgvectorVersion, ensurePgvector, supportsIterativeScan } from './pgvector-extension.js';
import {
  type PgvectorStoreOptions,
  type ResolvedPgvectorOptions,
  resolvePgvectorOptions,
} from './pgvector-options.js';
import { assertNoNulCharacters, type SearchRow, toMatches, upsertParams } from './pgvector-rows.js';
import {
  createIndexText,
  createTableText,
  MAX_HNSW_DIMENSION,
  qualify,
  searchText,
  tableNameFor,
  toVectorText,
  upsertText,
} from './sql-text.js';

/**
 * The pgvector backend: one table per collection (`id text PRIMARY KEY, embedding vector(d),
 * metadata jsonb, document text`) with an HNSW index, catalogued in `vector_collections`. It works
 * over an open, migrated {@link Sql} (PostgreSQL through `pg`, or embedded PGlite) and names its
 * schema in every statement. Collection definitions are read from the catalog on every call
 * (only the extension version is remembered), so several processes may share the database.
 */
export class PgvectorStore implements VectorStore {
  readonly backend = 'pgvector' as const;
  private readonly options: ResolvedPgvectorOptions;
  private readonly catalog: PgvectorCatalog;
  /** The extension version, detected once; a miss is not remembered (it may be installed later). */
  private version: Promise<string | null> | null = null;

  constructor(
    private readonly sql: Sql,
    options: PgvectorStoreOptions = {},
  ) {
    this.options = resolvePgvectorOptions(options);
    this.catalog = new PgvectorCatalog(sql.schema);
  }

  async createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    assertCollectionSpec(spec);
    return this.run(spec.name, async () => {
      if ((await this.pgvectorVersion()) === null) {
        this.version = Promise.resolve(await ensurePgvector(this.sql, this.options.logger));
      }
      return this.sql.transaction(async (tx) => {
        await this.catalog.lock(tx, spec.name);
        const existing = await this.catalog.find(tx, spec.name);
        if (existing) {
          assertSameSpec(existing.spec, spec);
          return { ...existing.spec, count: await countRows(tx, existing.table) };
        }
        const tableName = tableNameFor(spec.name);
        const table = qualify(this.sql.schema, tableName);
        await tx.query(
          `INSERT INTO ${this.catalog.table} (name, dimension, metric, table_name) VALUES ($1, $2, $3, $4)`,
          [spec.name, spec.dimension, spec.metric, tableName],
        );
        await tx.query(createTableText(table, spec.dimension));
        if (spec.dimension <= MAX_HNSW_DIMENSION) {
          const build = { m: this.options.hnswM, efConstruction: this.options.hnswEfConstruction };
          await tx.query(createIndexText(this.sql.schema, tableName, spec.metric, build));
        } else {
          this.options.logger.warn(
            { collection: spec.name, dimension: spec.dimension },
            `pgvector indexes at most ${MAX_HNSW_DIMENSION} dimensions; this collection is searched exactly (sequential scan)`,
          );
        }
        this.options.logger.debug({ collection: spec.name, table: tableName }, 'pgvector collection created');
        return { name: spec.name, dimension: spec.dimension, metric: spec.metric, count: 0 };
      });
    });
  }

  async dropCollection(name: string): Promise<boolean> {
    assertCollectionName(name);
    return this.run(name, () =>
      this.sql.transaction(async (tx) => {
        await this.catalog.lock(tx, name);
        const { rows } = await tx.query<{ table_name: string }>(
          `DELETE FROM ${this.catalog.table} WHERE name = $1 RETURNING table_name`,
          [name],
        );
        const row = rows[0];
        if (!row) return false;
        await tx.query(`DROP TABLE IF EXISTS ${qualify(this.sql.schema, row.table_name)}`);
        return true;
      }),
    );
  }

  async listCollections(): Promise<string[]> {
    return this.run(null, async () => {
      const { rows } = await this.sql.query<{ name: string }>(
        `SELECT name FROM ${this.catalog.table} ORDER BY name COLLATE "C"`,
      );
      return rows.map((row) => row.name);
    });
  }

  async describeCollection(name: string): Promise<CollectionInfo> {
    return this.run(name, async () => {
      const collection = await this.catalog.get(this.sql, name);
      return { ...collection.spec, count: await countRows(this.sql, collection.table) };
    });
  }

  async upsert(name: string, records: VectorRecord[]): Promise<{ upserted: number }> {
    return this.run(name, async () => {
      const collection = await this.catalog.get(this.sql, name);
      // The whole call is validated before the first statement, so bad input writes nothing.
      const valid = validateRecords(name, records, collection.spec.dimension);
      assertNoNulCharacters(name, valid);
      const { batchSize, atomicUpserts, concurrency, bulkLoadMin } = this.options;
      if (valid.length >= bulkLoadMin && collection.spec.dimension <= MAX_HNSW_DIMENSION) {
        await this.sql.transaction((tx) => this.bulkUpsert(tx, name, valid));
      } else if (atomicUpserts) {
        const text = upsertText(collection.table);
        await this.sql.transaction(async (tx) => {
          for (let offset = 0; offset < valid.length; offset += batchSize) {
            await tx.query(text, upsertParams(valid.slice(offset, offset + batchSize)));
          }
        });
      } else {
        const text = upsertText(collection.table);
        await inBatches(valid, batchSize, concurrency, async (batch) => {
          await this.sql.query(text, upsertParams(batch));
        });
      }
      return { upserted: valid.length };
    });
  }

  /**
   * A large upsert: into an empty or small collection, the bulk path (rows, then the index once);
   * into a larger one, batched inserts. Either way in one transaction holding the collection's
   * write lock, so concurrent writers wait and a failure writes nothing.
   */
  private async bulkUpsert(tx: SqlExecutor, name: string, records: VectorRecord[]): Promise<void> {
    await this.catalog.lock(tx, name);
    // Read again under the lock: the collection may have been dropped, re-created or reloaded.
    const collection = await this.catalog.get(tx, name);
    validateRecords(name, records, collection.spec.dimension);
    const rows = await lockForWrites(tx, collection.table);
    const { batchSize, hnswM, hnswEfConstruction, bulkMaintenanceWorkMem } = this.options;
    if (rows <= records.length) {
      await rebuildWithRecords(
        tx,
        {
          schema: this.sql.schema,
          table: collection.table,
          tableName: collection.tableName,
          catalogTable: this.catalog.table,
          collection: name,
          dimension: collection.spec.dimension,
          metric: collection.spec.metric,
        },
        records,
        {
          batchSize,
          hnsw: { m: hnswM, efConstruction: hnswEfConstruction },
          maintenanceWorkMem: bulkMaintenanceWorkMem,
        },
      );
      this.options.logger.debug(
        { collection: name, rows, records: records.length },
        'pgvector bulk load: index rebuilt',
      );
      return;
    }
    const text = upsertText(collection.table);
    for (let offset = 0; offset < records.length; offset += batchSize) {
      await tx.query(text, upsertParams(records.slice(offset, offset + batchSize)));
    }
  }

  async delete(name: string, selector: DeleteSelector): Promise<{ deleted: number }> {
    return this.run(name, async () => {
      const collection = await this.catalog.get(this.sql, name);
      if ('ids' in selector) {
        const ids = validateIds(name, selector.ids);
        if (ids.length === 0) return { deleted: 0 };
        const result = await this.sql.query(`DELETE FROM ${collection.table} WHERE id = ANY ($1::text[])`, [
          ids,
        ]);
        return { deleted: result.rowCount };
      }
      const filter = compileSqlFilter(parseFilter(selector.filter));
      const result = await this.sql.query(
        `DELETE FROM ${collection.table} WHERE ${filter.sql}`,
        filter.params,
      );
      return { deleted: result.rowCount };
    });
  }

  async count(name: string, filter?: FilterInput): Promise<number> {
    return this.run(name, async () => {
      const compiled = compileSqlFilter(parseFilter(filter));
      const collection = await this.catalog.get(this.sql, name);
      return countRows(this.sql, collection.table, compiled.sql, compiled.params);
    });
  }

  async query(name: string, request: QueryRequest): Promise<QueryMatch[]> {
    return this.run(name, async () => {
      const { rows, metric } = await this.search(name, request, false);
      return toMatches(rows, metric, request.includeVectors === true);
    });
  }

  /**
   * The plan of the statement {@link query} runs for this request, under the same settings
   * (`EXPLAIN`, without running it): shows whether the HNSW index answers it.
   */
  async explainQuery(name: string, request: QueryRequest): Promise<string> {
    return this.run(name, async () => {
      const { rows } = await this.search(name, request, true);
      return rows.map((row) => Object.values(row)[0]).join('\n');
    });
  }

  async close(): Promise<void> {
    if (this.options.ownsSql) await this.sql.close();
  }

  /** One transaction: the catalog lookup sets the query's SET LOCAL values, then the search runs. */
  private async search(
    name: string,
    request: QueryRequest,
    explain: boolean,
  ): Promise<{ rows: SearchRow[]; metric: Metric }> {
    const settings = await this.searchSettings(request?.topK);
    return this.sql.transaction(async (tx) => {
      const { spec, table } = await this.catalog.get(tx, name, settings);
      validateQuery(name, request, spec.dimension);
      const filter = compileSqlFilter(parseFilter(request.filter), 2);
      const text = searchText({
        table,
        metric: spec.metric,
        where: filter.sql,
        topK: request.topK,
        includeVectors: request.includeVectors === true,
        exact: this.options.exact,
      });
      const params = [toVectorText(request.vector), ...filter.params];
      const { rows } = await tx.query<SearchRow>(explain ? `EXPLAIN ${text}` : text, params);
      return { rows, metric: spec.metric };
    });
  }

  private async searchSettings(topK: unknown): Promise<Setting[]> {
    const { efSearch, iterativeScan, maxScanTuples, exact } = this.options;
    const k = typeof topK === 'number' && Number.isInteger(topK) && topK > 0 ? topK : 0;
    const settings: Setting[] = [['hnsw.ef_search', String(Math.min(1000, Math.max(efSearch, k)))]];
    if (exact) settings.push(['enable_indexscan', 'off']);
    const version = await this.pgvectorVersion();
    // On pgvector < 0.8 the hnsw.* prefix is reserved without these names: setting one is an error.
    if (!exact && version && supportsIterativeScan(version)) {
      settings.push(['hnsw.iterative_scan', iterativeScan]);
      if (maxScanTuples !== undefined) settings.push(['hnsw.max_scan_tuples', String(maxScanTuples)]);
    }
    return settings;
  }

  private async pgvectorVersion(): Promise<string | null> {
    this.version ??= detectPgvectorVersion(this.sql);
    const version = await this.version.catch((error: unknown) => {
      this.version = null;
      throw error;
    });
    if (version === null) this.version = null;
    return version;
  }

  /**
   * Runs one operation and maps its errors. A statement that met "relation does not exist" on a
   * collection's table ran after a bulk load replaced that table (pgvector-bulk-load.ts); it had
   * no effect, so the operation runs again from the catalog lookup, which now names the new table
   * (or says the collection is gone).
   */
  private async run<T>(collection: string | null, work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (collection !== null && attempt < MAX_ATTEMPTS && this.catalog.isTableReplaced(error)) continue;
        throw this.catalog.toError(error, collection);
      }
    }
  }
}

/** Attempts of one operation that keeps meeting tables replaced by bulk loads. */
const MAX_ATTEMPTS = 3;
