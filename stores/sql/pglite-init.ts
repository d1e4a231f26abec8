import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BackendError } from '#core';

/**
 * The first open of a PGlite data directory runs initdb (a second WASM instance) inside the
 * process that opens it. Memory that initdb touched is not given back to the operating system
 * afterwards (V8 keeps the pages), so a process that created its database idled about 180 MB
 * above one that opened an existing database. Running initdb in a short-lived child process
 * leaves the long-lived process the same size on its first start as on every later one.
 */

/** Where a PGlite data directory is known to be initialized: PostgreSQL writes PG_VERSION last. */
export function isPgliteDataDir(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

// CommonJS in the child: its -e script can require() an absolute path resolved here, whichever
// directory the child starts in and whether this module runs from dist/ or through tsx.
const PGLITE_ENTRY = createRequire(import.meta.url).resolve('@electric-sql/pglite');
const INIT_SCRIPT = `require(process.argv[1]).PGlite.create(process.argv[2]).then((db) => db.close()).then(
  () => process.exit(0),
  (error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); },
);`;

/**
 * Creates the database in `dataDir` in a child process, unless it exists. Resolves true when it
 * created one. A crash of the child leaves no PG_VERSION, so the next open runs initdb again.
 */
export async function initializePgliteDataDir(dataDir: string): Promise<boolean> {
  if (isPgliteDataDir(dataDir)) return false;
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=commonjs', '-e', INIT_SCRIPT, PGLITE_ENTRY, dataDir],
      { maxBuffer: 4 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        reject(
          new BackendError(
            'pglite',
            `creating the embedded database in ${dataDir} failed: ${stderr || error.message}`,
            error,
          ),
        );
      },
    );
  });
  if (!isPgliteDataDir(dataDir))
    throw new BackendError('pglite', `creating the embedded database in ${dataDir} left no PG_VERSION`);
  return true;
}
