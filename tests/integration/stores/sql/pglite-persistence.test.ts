import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../../../core/errors.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { openSql } from '../../../../stores/sql/open-sql.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';

// Opening a fresh data directory runs initdb (seconds of WASM work), twice as slow on a loaded
// two-core machine: the 30 s default is too tight for the cases that create one.
describe('the embedded PGlite store', { timeout: 120_000 }, () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'switchyard-pglite-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps its data under <home>/pgdata across close and reopen', async () => {
    const first = await openSql({ home, migrations: MIGRATIONS });
    await first.query(
      "INSERT INTO vector_collections (name, dimension, metric, table_name) VALUES ('kept', 3, 'l2', 't_kept')",
    );
    await first.close();
    const second = await openSql({ home, migrations: MIGRATIONS });
    try {
      expect((await second.query('SELECT name FROM vector_collections')).rows).toEqual([{ name: 'kept' }]);
    } finally {
      await second.close();
    }
  });

  it('creates a fresh data directory (initdb in a child process) and opens it with small shared buffers', async () => {
    const dataDir = join(home, 'pgdata');
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(false);
    const sql = await PgliteSql.open({ dataDir });
    try {
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
      const { rows } = await sql.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(rows[0]!.shared_buffers).toBe('16MB');
      // The start parameters PGlite needs are kept next to ours.
      expect((await sql.query<{ s: string }>("SELECT current_setting('io_method') AS s")).rows[0]!.s).toBe(
        'sync',
      );
    } finally {
      await sql.close();
    }
  });

  it('takes shared_buffers from the configuration and refuses a size without a unit', async () => {
    const sql = await openSql({ home, migrations: MIGRATIONS, pgliteSharedBuffers: '8MB' });
    try {
      const { rows } = await sql.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(rows[0]!.shared_buffers).toBe('8MB');
    } finally {
      await sql.close();
    }
    await expect(PgliteSql.open({ sharedBuffers: '16' })).rejects.toThrow(ValidationError);
    await expect(PgliteSql.open({ sharedBuffers: '16' })).rejects.toThrow(/expected a size such as 16MB/);
  });

  it('has the pgvector extension available', async () => {
    const sql = await PgliteSql.open();
    try {
      await sql.query('CREATE EXTENSION IF NOT EXISTS vector');
      const { rows } = await sql.query<{ d: number }>("SELECT '[1,0]'::vector <=> '[0,1]'::vector AS d");
      expect(rows[0]!.d).toBeCloseTo(1, 6);
    } finally {
      await sql.close();
    }
  });

  it('refuses a second open of the same data directory in this process', async () => {
    const sql = await openSql({ home, migrations: MIGRATIONS });
    try {
      await expect(openSql({ home, migrations: MIGRATIONS })).rejects.toThrow(ConflictError);
    } finally {
      await sql.close();
    }
    // Closing released the lock.
    await (await openSql({ home, migrations: MIGRATIONS })).close();
  });

  it('refuses a data directory held by another live process, naming it', async () => {
    const dataDir = join(home, 'pgdata');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
    try {
      await openSql({ home, migrations: MIGRATIONS }).then((s) => s.close()); // creates the directory
      writeFileSync(join(dataDir, 'switchyard.lock'), String(child.pid));
      await expect(openSql({ home, migrations: MIGRATIONS })).rejects.toThrow(
        new RegExp(`in use by process ${child.pid}`),
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over a lock left by a process that died', async () => {
    const dataDir = join(home, 'pgdata');
    await openSql({ home, migrations: MIGRATIONS }).then((s) => s.close());
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolve) => child.on('exit', resolve));
    writeFileSync(join(dataDir, 'switchyard.lock'), String(child.pid));
    const sql = await openSql({ home, migrations: MIGRATIONS });
    await sql.close();
  });
});
