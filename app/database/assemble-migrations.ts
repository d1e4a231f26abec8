import { ConfigError } from '#core';
import type { Migration } from '#stores/sql';

/**
 * One list of migrations from the lists their owners declare, in version order. Versions are
 * global: the database records one number per migration, so two owners may not share one, and
 * the order the database was built in is the order of the versions, not of the owners.
 * Refuses (at start, before any database is touched) a version used twice or not a positive
 * integer, naming both owners, since migrate() would otherwise apply one and skip the other.
 */
export function assembleMigrations(owners: Readonly<Record<string, readonly Migration[]>>): Migration[] {
  const ownerOf = new Map<number, string>();
  const all: Migration[] = [];
  for (const [owner, migrations] of Object.entries(owners)) {
    for (const migration of migrations) {
      if (!Number.isInteger(migration.version) || migration.version < 1)
        throw new ConfigError(
          `migration '${migration.name}' of ${owner} has version ${migration.version}; expected a positive integer`,
          { owner, version: migration.version },
        );
      const other = ownerOf.get(migration.version);
      if (other !== undefined)
        throw new ConfigError(
          `migration version ${migration.version} is used twice: by ${other} and by ${owner} ('${migration.name}'); give the newer one the next free version`,
          { version: migration.version, owners: [other, owner] },
        );
      ownerOf.set(migration.version, owner);
      all.push(migration);
    }
  }
  return all.sort((a, b) => a.version - b.version);
}
