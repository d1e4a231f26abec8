import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../free-port.js';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 binaries (ENVIRONMENT.md). Override with CHAOS_PG_BIN. */
export const PG_BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** The application_name of the test's own connections, so `terminateBackends` can spare them. */
export const CHECK_APPLICATION_NAME = 'chaos-check';

export interface OwnPostgresOptions {
  /** The database created for the test. @defaultValue 'chaos' */
  database?: string;
  /** `max_connections` of the cluster. @defaultValue 200 */
  maxConnections?: number;
}

/**
 * A private PostgreSQL 15 cluster in a temporary directory on a free port, for tests that inject
 * faults into the database (restart, immediate stop, killed backends) without touching the
 * machine's shared server. PostgreSQL refuses to run as root, so a root test process runs the
 * binaries as `postgres` (runuser) on a directory it hands to that user.
 */
export class OwnPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly database: string,
    private readonly asUser: string | undefined,
  ) {}

  /** postgres://postgres@127.0.0.1:<port>/<database> (trust auth). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${this.database}`;
  }

  /** initdb + start + CREATE DATABASE; throws with the server's log when any step fails. */
  static async create(options: OwnPostgresOptions = {}): Promise<OwnPostgres> {
    if (!existsSync(join(PG_BIN, 'initdb')))
      throw new Error(
        `no PostgreSQL binaries at ${PG_BIN} (apt-get install postgresql, or set CHAOS_PG_BIN)`,
      );
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-chaos-pg-'));
    const root = userInfo().uid === 0;
    // Security: the server refuses root; the directory and its socket belong to `postgres`.
    if (root) chownSync(dir, ...postgresIds());
    const server = new OwnPostgres(
      dir,
      await freePort(),
      options.database ?? 'chaos',
      root ? 'postgres' : undefined,
    );
    try {
      await server.pgBinary(
        'initdb',
        ['-D', server.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync'],
        60_000,
      );
      // Fast restarts matter more than durability here: fsync off, small shared memory.
      const settings = [
        `port = ${server.port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${dir}'`,
        `max_connections = ${options.maxConnections ?? 200}`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'shared_buffers = 32MB',
      ];
      await server.appendConfig(settings);
      await server.start();
      const admin = new pg.Client({ connectionString: server.urlOf('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${server.database}"`);
      } finally {
        await admin.end();
      }
      return server;
    } catch (error) {
      const log = server.log();
      await server.destroy();
      throw new Error(`could not start a private PostgreSQL: ${String(error)}\n${log}`, { cause: error });
    }
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private urlOf(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** The server's log so far (empty when there is none). */
  log(): string {
    const file = join(this.dir, 'log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Starts the cluster and waits (≤ 60 s) until it accepts connections. */
  async start(): Promise<void> {
    await this.pgCtl(['start', '-w', '-t', '60', '-l', join(this.dir, 'log')], 70_000);
  }

  /** `pg_ctl restart -m fast`: every session is ended, the server is back when this resolves. */
  async restart(): Promise<void> {
    await this.pgCtl(['restart', '-m', 'fast', '-w', '-t', '60', '-l', join(this.dir, 'log')], 70_000);
  }

  /** `pg_ctl stop -m immediate`: the crash-like stop (no checkpoint; recovery at the next start). */
  async stopImmediate(): Promise<void> {
    await this.pgCtl(['stop', '-m', 'immediate', '-w', '-t', '30'], 40_000);
  }

  /**
   * `pg_terminate_backend` on every session of the test database except the caller's own and
   * those named {@link CHECK_APPLICATION_NAME}; `applicationLike` narrows it (a LIKE pattern, e.g.
   * 'switchyard%'). Resolves with how many sessions were ended.
   */
  async terminateBackends(filter: { applicationLike?: string } = {}): Promise<number> {
    const client = new pg.Client({ connectionString: this.url, application_name: CHECK_APPLICATION_NAME });
    await client.connect();
    try {
      const { rows } = await client.query<{ ended: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid()
           AND coalesce(application_name, '') <> $2
           AND ($3::text IS NULL OR application_name LIKE $3)`,
        [this.database, CHECK_APPLICATION_NAME, filter.applicationLike ?? null],
      );
      return rows.filter((row) => row.ended).length;
    } finally {
      await client.end();
    }
  }

  /** Stops the cluster (immediately, if it runs) and removes its directory. Safe to call twice. */
  async destroy(): Promise<void> {
    if (existsSync(join(this.dataDir, 'postmaster.pid')))
      await this.pgCtl(['stop', '-m', 'immediate', '-w', '-t', '30'], 40_000).catch((error: unknown) =>
        console.warn(`own postgres on ${this.port}: stop failed: ${String(error)}`),
      );
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async appendConfig(lines: string[]): Promise<void> {
    // Written by the server's user, so the file keeps its owner.
    await this.shell(`cat >> '${join(this.dataDir, 'postgresql.conf')}' <<'CONF'\n${lines.join('\n')}\nCONF`);
  }

  private pgCtl(args: string[], timeoutMs: number): Promise<void> {
    return this.pgBinary('pg_ctl', ['-D', this.dataDir, ...args], timeoutMs);
  }

  private async pgBinary(binary: string, args: string[], timeoutMs: number): Promise<void> {
    const command = join(PG_BIN, binary);
    const [file, argv] = this.asUser
      ? ['runuser', ['-u', this.asUser, '--', command, ...args]]
      : [command, args];
    try {
      await run(file, argv, { timeout: timeoutMs, cwd: this.dir });
    } catch (error) {
      const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
      throw new Error(`${binary} ${args.join(' ')} failed: ${String(error)}\n${stdout}${stderr}`, {
        cause: error,
      });
    }
  }

  private async shell(script: string): Promise<void> {
    const [file, argv] = this.asUser
      ? ['runuser', ['-u', this.asUser, '--', 'sh', '-c', script]]
      : ['sh', ['-c', script]];
    await run(file, argv, { timeout: 10_000 });
  }
}

/** uid and gid of the `postgres` user (Debian's package creates it). */
function postgresIds(): [number, number] {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user: apt-get install postgresql creates it');
  const [, , uid, gid] = line.split(':');
  return [Number(uid), Number(gid)];
}
