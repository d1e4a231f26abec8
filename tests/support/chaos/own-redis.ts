import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../free-port.js';

const run = promisify(execFile);

/**
 * A private Redis on a free port (nothing kept on disk), for tests that shut it down and start it
 * again: the machine's shared Redis is never touched. Its pidfile and log live in a temp dir.
 */
export class OwnRedis {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** redis://127.0.0.1:<port> */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<OwnRedis> {
    const server = new OwnRedis(mkdtempSync(join(tmpdir(), 'switchyard-chaos-redis-')), await freePort());
    try {
      await server.start();
      return server;
    } catch (error) {
      const log = server.log();
      await server.destroy();
      throw new Error(`could not start a private Redis: ${String(error)}\n${log}`, { cause: error });
    }
  }

  private get pidFile(): string {
    return join(this.dir, 'redis.pid');
  }

  log(): string {
    const file = join(this.dir, 'redis.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Starts it (again) on the same port, empty; resolves once it answers PING (≤ 15 s). */
  async start(): Promise<void> {
    try {
      await run(
        'redis-server',
        [
          '--port',
          String(this.port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'yes',
          '--dir',
          this.dir,
          '--pidfile',
          this.pidFile,
          '--logfile',
          join(this.dir, 'redis.log'),
        ],
        { timeout: 10_000 },
      );
    } catch (error) {
      throw new Error(`redis-server did not start (apt-get install redis-server): ${String(error)}`, {
        cause: error,
      });
    }
    const deadline = Date.now() + 15_000;
    while (!(await this.answers())) {
      if (Date.now() > deadline)
        throw new Error(`redis on ${this.port} did not answer PING in 15 s\n${this.log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** `SHUTDOWN NOSAVE`: every key is gone; resolves once the process has exited (≤ 15 s). */
  async shutdownNoSave(): Promise<void> {
    const pid = this.pid();
    await run('redis-cli', ['-p', String(this.port), 'shutdown', 'nosave'], { timeout: 10_000 }).catch(
      // redis-cli reports the connection the shutdown closed as an error on some versions.
      () => undefined,
    );
    const deadline = Date.now() + 15_000;
    while (pid !== undefined && alive(pid)) {
      if (Date.now() > deadline) throw new Error(`redis (pid ${pid}) still runs 15 s after SHUTDOWN NOSAVE`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A value of `INFO <section>` (e.g. used_memory), or undefined. */
  async info(section: string, field: string): Promise<string | undefined> {
    const client = this.client();
    try {
      const text = await client.info(section);
      return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1]?.trim();
    } finally {
      client.disconnect();
    }
  }

  /** Stops it if it runs and removes its directory. Safe to call twice. */
  async destroy(): Promise<void> {
    const pid = this.pid();
    if (pid !== undefined && alive(pid)) {
      await this.shutdownNoSave().catch(() => process.kill(pid, 'SIGKILL'));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private pid(): number | undefined {
    if (!existsSync(this.pidFile)) return undefined;
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  private client(): Redis {
    const client = new Redis(this.url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0 });
    client.on('error', () => {}); // the failing command reports it
    return client;
  }

  private async answers(): Promise<boolean> {
    const client = this.client();
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false; // not up yet: start() polls again until its deadline
    } finally {
      client.disconnect();
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
