import type { Migration } from '#stores/sql';

/**
 * The audit log's table (audit-log.ts), as migrations the composition root runs with the rest of
 * the schema (app/database/schema-migrations.ts). Versions are global across every owner; a
 * shipped migration is never edited (migrate() refuses a changed one).
 */
export const AUDIT_MIGRATIONS: readonly Migration[] = [
  {
    version: 4,
    name: 'audit_tool_calls',
    // One row per tool call through a front (the HTTP API, later the MCP front): who (the API
    // key's name; null when the API is open on loopback), what, when, how long, how it ended.
    // Arguments are stored after redaction; server is null when the tool name was unknown.
    up: `
      CREATE TABLE audit_tool_calls (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        source text NOT NULL,
        key_name text,
        tool text NOT NULL,
        server text,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL CHECK (duration_ms >= 0),
        outcome text NOT NULL CHECK (outcome IN ('ok', 'tool_error', 'error')),
        error text,
        arguments jsonb NOT NULL
      );
      CREATE INDEX audit_tool_calls_started ON audit_tool_calls (started_at);
      CREATE INDEX audit_tool_calls_key ON audit_tool_calls (key_name, started_at);
    `,
  },
  {
    version: 8,
    name: 'audit_operations',
    // The audit log covers every operation that reads or changes data, not only tool calls:
    // `operation` is the MCP method (tools/call, resources/read, prompts/get, completion/complete)
    // and `tool` then holds the tool or prompt name, the resource URI or the completion's target.
    // An agent's calls carry the run that made them.
    up: `
      ALTER TABLE audit_tool_calls ADD COLUMN operation text NOT NULL DEFAULT 'tools/call';
      ALTER TABLE audit_tool_calls ADD COLUMN run_id text;
      CREATE INDEX audit_tool_calls_run ON audit_tool_calls (run_id) WHERE run_id IS NOT NULL;
    `,
  },
];
