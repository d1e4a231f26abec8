import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { loadConfig } from './load-config.js';
import { ConfigError, type Logger, silentLogger, type Clock, systemClock, type TimerHandle } from '#core';
import { type ResolvedServer, serversFromConfig } from './resolve-servers.js';
import { describeDiff, diffServers, isEmptyDiff, type ServerDiff } from './server-changes.js';

export interface ConfigWatcherOptions {
  /** The config file to watch. */
  file: string;
  /** The servers running now, from the load the bridge started with. */
  current: readonly ResolvedServer[];
  /**
   * Called with each valid change and the servers now configured; the caller applies it (see
   * {@link applyServerChanges}). The next reload waits for it. A rejection is logged.
   */
  onChange(diff: ServerDiff, servers: readonly ResolvedServer[]): void | Promise<void>;
  /**
   * Reads and validates the file; throws a ConfigError naming the bad field.
   * @defaultValue loadConfig (the whole file, with the environment) then serversFromConfig
   */
  load?: (file: string) => ResolvedServer[];
  /** For the default `load`. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Quiet time after the last file event before the file is read again. @defaultValue 200 */
  debounceMs?: number;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** @defaultValue systemClock */
  clock?: Clock;
}

/** What one reload did. */
export type ReloadOutcome = 'changed' | 'unchanged' | 'invalid';

/**
 * Watches the config file and applies its `mcpServers` changes while the bridge runs. It watches
 * the file's directory, not the file: editors that save by writing a temporary file and renaming
 * it over the original replace the inode a file watch would be bound to. Events are debounced;
 * reloads run one at a time. A file that is invalid (or briefly missing, mid-rename) is logged
 * with the field at fault and the running configuration stays.
 *
 * Only `mcpServers` is applied; other sections take effect when the bridge restarts.
 */
export class ConfigWatcher {
  private readonly file: string;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly load: (file: string) => ResolvedServer[];
  private current: readonly ResolvedServer[];
  private watcher: FSWatcher | undefined;
  private timer: TimerHandle | undefined;
  private running: Promise<ReloadOutcome> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly options: ConfigWatcherOptions) {
    this.file = resolve(options.file);
    this.log = (options.logger ?? silentLogger).child({ component: 'config-watcher' });
    this.clock = options.clock ?? systemClock;
    this.debounceMs = options.debounceMs ?? 200;
    if (!Number.isInteger(this.debounceMs) || this.debounceMs < 0)
      throw new RangeError(`debounceMs must be a non-negative integer, got ${options.debounceMs}`);
    this.current = [...options.current];
    const env = options.env ?? process.env;
    this.load =
      options.load ??
      ((file) => {
        const { config } = loadConfig({ file, cwd: dirname(file), env });
        return serversFromConfig(config.mcpServers, { file });
      });
  }

  /** The servers of the last valid configuration. */
  get servers(): readonly ResolvedServer[] {
    return this.current;
  }

  /** Starts watching. Idempotent. */
  start(): this {
    if (this.watcher || this.closed) return this;
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), { persistent: false }, (_event, filename) => {
      // Some platforms give no file name; then any change in the directory may be ours.
      if (filename === null || filename === name) this.schedule();
    });
    this.watcher.on('error', (error) =>
      this.log.error({ err: error, file: this.file }, 'config watch failed'),
    );
    this.log.info({ file: this.file }, 'watching the config file for mcpServers changes');
    return this;
  }

  /** Stops watching; a reload under way finishes. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  /**
   * Reads the file now (the watcher calls this after the debounce). Reloads never overlap: one
   * asked for while another runs runs after it, once.
   */
  reload(): Promise<ReloadOutcome> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<ReloadOutcome> => {
      let outcome: ReloadOutcome;
      do {
        this.again = false;
        outcome = await this.reloadOnce();
      } while (this.again && !this.closed);
      return outcome;
    };
    this.running = run().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.reload().catch((error: unknown) =>
        this.log.error({ err: error }, 'config reload failed unexpectedly'),
      );
    }, this.debounceMs);
  }

  private async reloadOnce(): Promise<ReloadOutcome> {
    let next: ResolvedServer[];
    try {
      next = this.load(this.file);
    } catch (error) {
      const problems = error instanceof ConfigError ? error.details.problems : undefined;
      this.log.error(
        { event: 'config_invalid', file: this.file, problems, err: error },
        `config file not applied, the running configuration stays: ${(error as Error).message}`,
      );
      return 'invalid';
    }
    const diff = diffServers(this.current, next);
    if (isEmptyDiff(diff)) {
      this.log.debug({ file: this.file }, 'config file saved; no server changed');
      return 'unchanged';
    }
    this.log.info(
      {
        event: 'config_changed',
        file: this.file,
        added: diff.added.map((server) => server.name),
        removed: diff.removed.map((server) => server.name),
        changed: diff.changed.map((change) => change.after.name),
      },
      `config file changed: ${describeDiff(diff)}`,
    );
    this.current = next;
    try {
      await this.options.onChange(diff, next);
    } catch (error) {
      this.log.error({ err: error, file: this.file }, 'applying the config change failed');
    }
    return 'changed';
  }
}

/** A started {@link ConfigWatcher}. */
export function watchConfig(options: ConfigWatcherOptions): ConfigWatcher {
  return new ConfigWatcher(options).start();
}
