import type { Migration } from '#stores/sql';

/**
 * The pgvector backend's tables, as migrations the composition root runs with the rest of the
 * schema (app/database/schema-migrations.ts). Versions are global across every owner; a shipped
 * migration is never edited (migrate() refuses a changed one).
 */
export const PGVECTOR_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'vector_collections',
    // The pgvector backend's catalog: one row per collection, one table per collection
    // (a table's vector column has a fixed dimension).
    up: `
      CREATE TABLE vector_collections (
        name text PRIMARY KEY,
        dimension integer NOT NULL CHECK (dimension > 0),
        metric text NOT NULL CHECK (metric IN ('cosine', 'l2', 'ip')),
        table_name text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];
