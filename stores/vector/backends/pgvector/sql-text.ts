import { createHash } from 'node:crypto';
import { quoteIdent } from '../../../sql/sql.js';
import type { Metric } from '../../types.js';

/**
 * The SQL text of the pgvector backend. Identifiers (schema, table, index) are quoted with
 * quoteIdent and derived from a hash, never from caller text; every value is a `$n` parameter.
 * The only numbers interpolated are integers the store validated (dimension, topK, HNSW build
 * parameters), because DDL and LIMIT cannot take parameters where the planner needs them.
 */

/** The catalog created by migration 1 (pgvector-migrations.ts). */
export const CATALOG_TABLE = 'vector_collections';

/** pgvector's HNSW index supports `vector` columns up to this many dimensions. */
export const MAX_HNSW_DIMENSION = 2000;

export interface MetricSql {
  /** The distance operator: `<=>` cosine distance (1 − cos), `<->` euclidean, `<#>` −(inner product). */
  operator: '<=>' | '<->' | '<#>';
  /** The HNSW operator class whose index answers `ORDER BY embedding <operator> $1`. */
  opclass: 'vector_cosine_ops' | 'vector_l2_ops' | 'vector_ip_ops';
}

export const METRIC_SQL: Readonly<Record<Metric, MetricSql>> = {
  cosine: { operator: '<=>', opclass: 'vector_cosine_ops' },
  l2: { operator: '<->', opclass: 'vector_l2_ops' },
  ip: { operator: '<#>', opclass: 'vector_ip_ops' },
};

/**
 * The table of a collection: `vec_` + 32 hex digits of SHA-256 of its name (36 bytes, within
 * Postgres' 63-byte identifier limit with room for the `_hnsw` index suffix). Hashing keeps
 * case-distinct names (`Docs`, `docs`) apart and keeps caller text out of identifiers.
 */
export function tableNameFor(collection: string): string {
  return `vec_${createHash('sha256').update(collection).digest('hex').slice(0, 32)}`;
}

/** `"schema"."name"`: every statement names its schema, so it never depends on search_path. */
export function qualify(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

export function createTableText(table: string, dimension: number): string {
  return `CREATE TABLE ${table} (
    id text PRIMARY KEY,
    embedding vector(${dimension}) NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    document text
  )`;
}

/** HNSW on an empty table is fine (unlike IVFFlat, whose lists are trained on existing rows). */
export function createIndexText(
  schema: string,
  tableName: string,
  metric: Metric,
  build: { m: number; efConstruction: number },
): string {
  return `CREATE INDEX ${quoteIdent(`${tableName}_hnsw`)} ON ${qualify(schema, tableName)}
    USING hnsw (embedding ${METRIC_SQL[metric].opclass}) WITH (m = ${build.m}, ef_construction = ${build.efConstruction})`;
}

/**
 * One statement per batch: four text arrays, unnested into rows. The arrays are `text[]` and cast
 * per element, because PGlite cannot serialize a parameter of type `vector[]` or `jsonb[]`.
 */
export function upsertText(table: string): string {
  return `INSERT INTO ${table} (id, embedding, metadata, document)
    SELECT r.id, r.embedding::vector, r.metadata::jsonb, r.document
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS r(id, embedding, metadata, document)
    ON CONFLICT (id) DO UPDATE
      SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata, document = EXCLUDED.document`;
}

export interface SearchTextOptions {
  table: string;
  metric: Metric;
  /** A compiled filter whose parameters start at $2 ($1 is the query vector). */
  where: string;
  topK: number;
  includeVectors: boolean;
  /** Adds `id` as a tie-breaker: deterministic like the memory backend, but no index can serve it. */
  exact: boolean;
}

/**
 * `ORDER BY embedding <op> $1::vector LIMIT k` is the shape pgvector's HNSW index answers; the
 * distance is selected with the same expression, so it is computed once per row.
 */
export function searchText(options: SearchTextOptions): string {
  const { table, metric, where, topK, includeVectors, exact } = options;
  const distance = `embedding ${METRIC_SQL[metric].operator} $1::vector`;
  const vectorColumn = includeVectors ? ', embedding::text AS vector' : '';
  return `SELECT id, metadata, document, ${distance} AS distance${vectorColumn}
    FROM ${table}
    WHERE ${where}
    ORDER BY ${distance}${exact ? ', id' : ''}
    LIMIT ${topK}`;
}

/** pgvector's text form `[1,2.5,-3e-7]`; the store has checked that every component is finite. */
export function toVectorText(vector: ArrayLike<number>): string {
  return `[${Array.from(vector).join(',')}]`;
}

export function fromVectorText(text: string): number[] {
  return text.slice(1, -1).split(',').map(Number);
}
