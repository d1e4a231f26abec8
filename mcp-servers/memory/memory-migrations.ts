import type { Migration } from '#stores/sql';

/**
 * The memory server's tables, as migrations the composition root runs with the rest of the
 * schema (app/database/schema-migrations.ts). Versions are global across every owner; a shipped
 * migration is never edited (migrate() refuses a changed one).
 */
export const MEMORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 2,
    name: 'memory_graph',
    // The memory server's knowledge graph. Identity ids give read_graph the insertion order the
    // reference server keeps in its file; the unique constraints let concurrent writers use
    // ON CONFLICT instead of read-then-write. Relations have no foreign keys: the reference
    // accepts relations between entities that do not exist (yet), and so must we.
    // Observations are unique by a digest, since a btree entry cannot hold a long text.
    up: `
      CREATE TABLE memory_entities (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        entity_type text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE memory_observations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        entity_id bigint NOT NULL REFERENCES memory_entities (id) ON DELETE CASCADE,
        content text NOT NULL
      );
      CREATE UNIQUE INDEX memory_observations_unique ON memory_observations (entity_id, md5(content));
      CREATE TABLE memory_relations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        from_name text NOT NULL,
        to_name text NOT NULL,
        relation_type text NOT NULL,
        UNIQUE (from_name, to_name, relation_type)
      );
      CREATE INDEX memory_relations_to ON memory_relations (to_name);
    `,
  },
];
