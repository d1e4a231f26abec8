import type { SqlExecutor } from '#stores/sql';

/**
 * Takes a transaction-scoped advisory lock on every entity name a write touches, in one global
 * order (by hash), before it writes anything.
 *
 * Why: the unique constraints alone keep the data right but not the writers alive — two
 * transactions inserting the same entities, observations or relations in opposite orders wait on
 * each other's uncommitted index entries and PostgreSQL kills one with "deadlock detected". Every
 * such conflict involves a shared name (an entity's, an observation's entity's, a relation's
 * endpoint), so locking the names in a fixed order first serializes exactly the conflicting
 * writes, while writes on other names run in parallel. A hash collision only costs some waiting.
 */
export async function lockNames(tx: SqlExecutor, names: Iterable<string>): Promise<void> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return;
  // The subquery's ORDER BY fixes the order in which the outer query takes the locks.
  await tx.query(
    `SELECT pg_advisory_xact_lock(key) FROM (
       SELECT DISTINCT hashtext('switchyard:memory:' || current_schema() || ':' || n)::bigint AS key
       FROM unnest($1::text[]) AS n ORDER BY key
     ) AS keys`,
    [unique],
  );
}
