// The front door of stores/sql: PostgreSQL access (a server through pg, or embedded PGlite) behind one Sql interface: opening, migrating (the runner; each owner declares its own tables), batching, storable values; the `database` config section.
// Other layers import it as '#stores/sql' (package.json `imports`); a file not exported here is internal.
export * from './database-config-schema.js';
export * from './migrate.js';
export * from './open-sql.js';
export * from './sql.js';
export * from './storable-text.js';
export { isTransientConnectError, isTransientStatementError } from './transient-errors.js';
export * from './write-batcher.js';
