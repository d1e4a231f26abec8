import type { Sql } from '../../stores/sql/sql.js';

/** An Sql that passes every statement to `sql` and keeps their texts: what a test counts. */
export function countingSql(sql: Sql): { sql: Sql; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    sql: {
      driver: sql.driver,
      schema: sql.schema,
      query: (text, params) => {
        statements.push(text);
        return sql.query(text, params);
      },
      exec: (script) => sql.exec(script),
      transaction: (work) => sql.transaction(work),
      // The wrapped store's owner closes it.
      close: () => Promise.resolve(),
    },
  };
}
