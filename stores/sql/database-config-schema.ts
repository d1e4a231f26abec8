import { z } from 'zod';
import { urlField } from '#core';

/** The `database` config section: where the SQL store lives and how statements reach it. */
export const DatabaseConfigSchema = z.strictObject({
  /** A PostgreSQL URL; absent = embedded PGlite. Env: DATABASE_URL. */
  url: urlField.optional(),
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case schema name of letters, digits and _')
    .default('public'),
  /**
   * Named prepared statements on DATABASE_URL (parsed once per connection). false behind a
   * pooler that moves statements between sessions (PgBouncer < 1.21 in transaction mode).
   * Env: SWITCHYARD_DB_PREPARED_STATEMENTS.
   */
  preparedStatements: z.boolean().default(true),
  /**
   * How long a statement that failed without effect (the server restarting, a connection
   * refused, a serialization failure) is retried before its error reaches the caller.
   * 0 turns retries off. Env: SWITCHYARD_DB_RETRY_MS.
   */
  retryForMs: z.int().min(0).default(120_000),
  /**
   * Embedded PGlite only: PostgreSQL's shared_buffers (its page cache, resident from the start).
   * Larger keeps more of a big vector collection in the cache, at that much more RSS.
   * Env: SWITCHYARD_PGLITE_SHARED_BUFFERS.
   */
  pgliteSharedBuffers: z
    .string()
    .regex(/^[1-9][0-9]{0,6}(kB|MB|GB)$/, 'expected a size such as 16MB, 512kB or 1GB')
    .default('16MB'),
});
export type DatabaseConfig = z.output<typeof DatabaseConfigSchema>;
