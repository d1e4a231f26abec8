import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { type Migration, migrate } from '../../../../stores/sql/migrate.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { SQL_TARGETS, uniqueSchema } from '../../../support/sql-targets.js';

// The last commit whose stores/sql/migrations.ts held every table; the migrations then moved to
// their owners' folders. A database it built must open with today's list without complaint.
const BEFORE_OWNERS = '1ed73a698f7cf12a7f911dd8f789d063a49620ee';

/** The migration list of that commit, read from git; undefined where the history is not there (a shallow clone). */
function migrationsSourceBeforeOwners(): string | undefined {
  try {
    return execFileSync('git', ['show', `${BEFORE_OWNERS}:stores/sql/migrations.ts`], {
      cwd: join(import.meta.dirname, '../../../..'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
}

const source = migrationsSourceBeforeOwners();

describe.skipIf(source === undefined).each(SQL_TARGETS)(
  'a $name database built before the migrations moved to their owners',
  (target) => {
    let dir: string;
    let before: readonly Migration[];
    let schema: string;
    let sql: Sql;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'switchyard-migrations-'));
      const file = join(dir, 'migrations.ts');
      writeFileSync(file, source!);
      ({ MIGRATIONS: before } = (await import(pathToFileURL(file).href)) as { MIGRATIONS: Migration[] });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    beforeEach(async () => {
      schema = uniqueSchema('owners');
      sql = await target.open(schema);
    });
    afterEach(async () => {
      await sql.close();
      await target.cleanup(schema);
    });

    it('is up to date for the assembled list: same versions, names and checksums, nothing to apply', async () => {
      expect(before.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await migrate(sql, before);
      const report = await migrate(sql, MIGRATIONS);
      expect(report).toEqual({ applied: [], current: MIGRATIONS.at(-1)!.version });
      expect(MIGRATIONS.slice(0, before.length)).toEqual(before);
    });
  },
);
