import { PgSql } from '../../stores/sql/pg-sql.js';
import { PgliteSql } from '../../stores/sql/pglite-sql.js';
import type { Sql } from '../../stores/sql/sql.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from './postgres.js';

/** A SQL driver every SQL test runs on: embedded PGlite and the PostgreSQL server. */
export interface SqlTarget {
  name: 'pglite' | 'postgres';
  /** Opens a store in a fresh schema. Each call to open() in one test shares the schema. */
  open(schema: string): Promise<Sql>;
  /** Opens a second, independent connection (pool) to the same schema, where the driver allows it. */
  supportsSecondConnection: boolean;
  cleanup(schema: string): Promise<void>;
}

export const SQL_TARGETS: SqlTarget[] = [
  {
    name: 'pglite',
    open: (schema) => PgliteSql.open({ schema }),
    supportsSecondConnection: false,
    cleanup: async () => {},
  },
  {
    name: 'postgres',
    open: (schema) => new PgSql({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 4 }).open(),
    supportsSecondConnection: true,
    cleanup: dropSchema,
  },
];

export { uniqueSchema };
