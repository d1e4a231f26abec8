import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SWITCHYARD_CLI } from '../mcp-server-process.js';
import { type SubmitLedger, TaskClient, type TaskSpecBody } from './task-client.js';

const TSX = import.meta.resolve('tsx');

/** Bounded by default: a slow machine (2 shared cores, tsx compiling) takes tens of seconds. */
const START_TIMEOUT_MS = Number(process.env.CHAOS_START_TIMEOUT_MS ?? 120_000);

/** Where one process reaches PostgreSQL and Redis (a worker behind a proxy gets other URLs). */
export interface Endpoints {
  databaseUrl: string;
  redisUrl: string;
}

export interface ChaosClusterOptions extends Endpoints {
  /** Switchyard's schema on the database (the test migrates and seeds it first). */
  schema: string;
  /** The queue's Redis key prefix. */
  prefix: string;
  /**
   * The config file's content besides what every chaos cluster sets (the crm and memory servers,
   * the API on port 0 with one admin key and a rate limit no test reaches).
   */
  config?: Record<string, unknown>;
  /** Extra environment for every process. */
  env?: Record<string, string>;
}

export interface ProcessOverrides extends Partial<Endpoints> {
  env?: Record<string, string>;
}

/** A `switchyard start` or `switchyard worker` child process and its stderr (JSON logs). */
export class ChaosProcess {
  child: ChildProcess;
  /** Everything it wrote to stderr, over every start. */
  private text = '';
  /** Where the current start's output begins in `text`. */
  private startOffset = 0;
  starts = 0;

  constructor(
    readonly name: string,
    readonly kind: 'bridge' | 'worker',
    /** Spawns it; `start` counts from 1 (2 is the first restart). */
    private readonly spawnIt: (start: number) => ChildProcess,
  ) {
    this.child = this.launch();
  }

  private launch(): ChildProcess {
    this.startOffset = this.text.length;
    this.starts++;
    if (this.starts > 1) this.text += `\n----- ${this.name} restarted (start ${this.starts}) -----\n`;
    const child = this.spawnIt(this.starts);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.text += chunk));
    return child;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The whole log (every start). */
  log(): string {
    return this.text;
  }

  /** The last `chars` of the log. */
  tail(chars = 3000): string {
    return this.text.slice(-chars);
  }

  /** Log lines (of every start) matching `pattern`. */
  lines(pattern: RegExp): string[] {
    return this.text.split('\n').filter((line) => pattern.test(line));
  }

  /** Resolves with the first match of `ready` in the current start's output; throws if it exits first. */
  async waitFor(ready: RegExp, timeoutMs = START_TIMEOUT_MS): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = ready.exec(this.text.slice(this.startOffset));
      if (match) return match;
      if (!this.alive)
        throw new Error(
          `${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) before ${ready}:\n${this.tail()}`,
        );
      if (Date.now() > deadline)
        throw new Error(`${this.name}: no ${ready} within ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }

  /** Starts it again with the same command and environment. */
  relaunch(): void {
    if (this.alive) throw new Error(`${this.name} still runs: kill it first`);
    this.child = this.launch();
  }
}

/**
 * A Switchyard deployment as child processes for fault tests: one bridge (`switchyard start`,
 * which submits and never runs agent work when Redis is configured) and workers
 * (`switchyard worker`), run by tsx from the sources, each with its own SWITCHYARD_HOME, all on
 * one config file, one schema and one key prefix. Each process may reach PostgreSQL and Redis
 * through its own URLs (a worker behind a {@link TcpProxy} can be partitioned).
 */
export class ChaosCluster {
  readonly dir: string;
  /** A strong key with every scope (the API refuses weak ones). */
  readonly apiKey = randomBytes(24).toString('hex');
  readonly client: TaskClient;
  private readonly processes = new Map<string, ChaosProcess>();
  private bridgeUrl: string | undefined;

  constructor(private readonly options: ChaosClusterOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'switchyard-chaos-'));
    const base = {
      mcpServers: { crm: { builtin: 'crm' }, memory: { builtin: 'memory' } },
      api: {
        port: 0,
        keys: [{ name: 'chaos', key: this.apiKey, scopes: ['read', 'call', 'admin'] }],
        // The tests poll and submit hundreds of times a minute from one key.
        rateLimit: { max: 1_000_000, timeWindowMs: 60_000 },
      },
    };
    const config = { ...base, ...options.config, api: { ...base.api, ...(options.config?.api as object) } };
    writeFileSync(this.configFile, JSON.stringify(config, null, 2));
    this.client = new TaskClient(() => this.url, this.apiKey);
  }

  get configFile(): string {
    return join(this.dir, 'switchyard.config.json');
  }

  /** The bridge's base URL (http://127.0.0.1:<port>); throws before the bridge listens. */
  get url(): string {
    if (!this.bridgeUrl) throw new Error('the bridge has not started');
    return this.bridgeUrl;
  }

  process(name: string): ChaosProcess {
    const found = this.processes.get(name);
    if (!found) throw new Error(`no process named ${name}`);
    return found;
  }

  get all(): ChaosProcess[] {
    return [...this.processes.values()];
  }

  /** Starts `switchyard start`; resolves once it logged its URL. */
  async startBridge(name = 'bridge', overrides: ProcessOverrides = {}): Promise<ChaosProcess> {
    const bridge = this.spawnProcess(name, 'bridge', ['start'], overrides);
    const [, url] = await bridge.waitFor(/"url":"(http:[^"]+)"/);
    this.bridgeUrl = url!;
    return bridge;
  }

  /** Starts `switchyard worker --concurrency N`; resolves once it logged "worker started". */
  async startWorker(
    name: string,
    options: ProcessOverrides & { concurrency?: number } = {},
  ): Promise<ChaosProcess> {
    const { concurrency = 4, ...overrides } = options;
    const worker = this.spawnProcess(
      name,
      'worker',
      ['worker', '--concurrency', String(concurrency)],
      overrides,
    );
    await worker.waitFor(/"worker started"/);
    return worker;
  }

  /** Sends `signal` (default SIGKILL) and waits until the process is gone. */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.process(name).kill(signal);
  }

  /**
   * Starts a stopped process again with its command and environment; a bridge comes back on the
   * port it had (clients keep their URL), a worker with a new owner id.
   */
  async restart(name: string): Promise<ChaosProcess> {
    const proc = this.process(name);
    await proc.kill('SIGKILL');
    proc.relaunch();
    if (proc.kind === 'bridge') {
      const [, url] = await proc.waitFor(/"url":"(http:[^"]+)"/);
      this.bridgeUrl = url!;
    } else await proc.waitFor(/"worker started"/);
    return proc;
  }

  /** Submits `specs` over POST /v1/tasks, `concurrency` at a time, recording each one's fate. */
  submit(
    specs: readonly TaskSpecBody[],
    options: {
      concurrency?: number;
      ledger?: SubmitLedger;
      beforeEach?: (index: number) => Promise<void>;
    } = {},
  ): Promise<SubmitLedger> {
    return this.client.submitAll(specs, options);
  }

  /** Kills every process still running and removes the cluster's directory. */
  async destroy(): Promise<void> {
    await Promise.all(this.all.map((proc) => proc.kill('SIGKILL')));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Writes every process's whole log to `<CHAOS_LOG_DIR or tmp/switchyard-chaos-logs>/<label>/<name>.log`
   * (kept after the test) and answers the folder.
   */
  writeLogs(label: string): string {
    const root = process.env.CHAOS_LOG_DIR ?? join(tmpdir(), 'switchyard-chaos-logs');
    const folder = join(root, label);
    mkdirSync(folder, { recursive: true });
    for (const proc of this.all) writeFileSync(join(folder, `${proc.name}.log`), proc.log());
    return folder;
  }

  /** Every process's last log lines, for a failing assertion's message. */
  tails(chars = 1500): string {
    return this.all
      .map(
        (proc) =>
          `===== ${proc.name} (pid ${proc.pid}, ${proc.alive ? 'alive' : 'exited'}) =====\n${proc.tail(chars)}`,
      )
      .join('\n');
  }

  private spawnProcess(
    name: string,
    kind: 'bridge' | 'worker',
    args: string[],
    overrides: ProcessOverrides,
  ): ChaosProcess {
    if (this.processes.has(name)) throw new Error(`a process named ${name} exists already`);
    const home = join(this.dir, name);
    const proc = new ChaosProcess(name, kind, (start) => {
      // A restarted bridge listens where it did before (SWITCHYARD_API_PORT wins over the file).
      const port =
        kind === 'bridge' && start > 1 && this.bridgeUrl ? new URL(this.bridgeUrl).port : undefined;
      return spawn(
        process.execPath,
        ['--import', TSX, SWITCHYARD_CLI, '--config', this.configFile, ...args],
        {
          cwd: this.dir,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: this.dir,
            SWITCHYARD_HOME: home,
            DATABASE_URL: overrides.databaseUrl ?? this.options.databaseUrl,
            SWITCHYARD_DB_SCHEMA: this.options.schema,
            REDIS_URL: overrides.redisUrl ?? this.options.redisUrl,
            SWITCHYARD_REDIS_PREFIX: this.options.prefix,
            SWITCHYARD_VECTOR_BACKEND: 'memory',
            SWITCHYARD_LOG_LEVEL: 'info',
            ...(port ? { SWITCHYARD_API_PORT: port } : {}),
            ...this.options.env,
            ...overrides.env,
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
    });
    this.processes.set(name, proc);
    return proc;
  }
}
