/**
 * A child of bench:embedded: opens PGlite with pgvector the way Switchyard does (a data
 * directory, the vector extension created, one query), settles, and prints one JSON line on
 * stdout: its VmRSS and how long the open took. `node --expose-gc pglite-floor.js <dataDir>
 * <sharedBuffers|default>`; `default` leaves PostgreSQL's 128MB.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { initializePgliteDataDir } from '../../stores/sql/pglite-init.js';

const [dataDir, sharedBuffers, initdbInChild] = process.argv.slice(2);
if (!dataDir || !sharedBuffers) {
  process.stderr.write('usage: pglite-floor <dataDir> <sharedBuffers|default> [initdb-in-child]\n');
  process.exit(2);
}

mkdirSync(dataDir, { recursive: true });
const started = performance.now();
if (initdbInChild === 'initdb-in-child') await initializePgliteDataDir(dataDir);
const db = await PGlite.create(dataDir, {
  extensions: { vector },
  ...(sharedBuffers === 'default'
    ? {}
    : { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`] }),
});
await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
await db.query('SELECT 1');
const openMs = performance.now() - started;
// Idle, as the server is measured: timers and GC have run.
await sleep(3000);
(globalThis as { gc?: () => void }).gc?.();
await sleep(500);
const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(`${JSON.stringify({ rssKiB: Number(match?.[1]), openMs: Math.round(openMs) })}\n`);
await db.close();
