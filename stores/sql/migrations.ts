import type { Migration } from './migrate.js';

/**
 * Switchyard's schema, in order. Append only: a shipped migration is never edited (migrate()
 * refuses a changed one). Each later issue adds the tables it needs as it needs them.
 */
export const MIGRATIONS: readonly Migration[] = [
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
