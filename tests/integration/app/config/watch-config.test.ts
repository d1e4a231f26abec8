import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { type ResolvedServer, serversFromConfig } from '../../../../app/config/resolve-servers.js';
import { applyServerChanges, type ServerDiff, startServers } from '../../../../app/config/server-changes.js';
import { type ConfigWatcher, watchConfig } from '../../../../app/config/watch-config.js';
import { createBuiltinTransportFactory } from '../../../../app/servers/builtin-transport.js';
import { Fleet, type MembershipChange } from '../../../../bridge/fleet/fleet.js';
import type { StateChange } from '../../../../bridge/fleet/upstream-events.js';
import { type Config, ConfigSchema } from '../../../../app/config/config-schema.js';
import { loadConfig } from '../../../../app/config/load-config.js';
import { captureLogger } from '../../../support/capture-logger.js';

// A real config file in a temp directory, real fs.watch, and two filesystem built-ins in
// process (no SQL, no child processes, so each start takes milliseconds). Waits are real but
// bounded: the watcher debounces 50 ms, and every wait gives up after WAIT_MS.

const WAIT_MS = 10_000;

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Polls `check` every 20 ms until it is true; fails after WAIT_MS naming `what`. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('watching the config file', () => {
  let dir: string;
  let fleet: Fleet | undefined;
  let watcher: ConfigWatcher | undefined;

  afterEach(async () => {
    watcher?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function setUp() {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-watch-'));
    for (const name of ['a', 'b', 'c']) mkdirSync(join(dir, name));
    const file = join(dir, 'switchyard.config.json');
    const entry = (root: string) => ({ builtin: 'filesystem', args: [join(dir, root)], pingIntervalMs: 0 });
    /** Saves as editors do: a temporary file renamed over the config. */
    const save = (mcpServers: Record<string, unknown>) => {
      const temp = join(dir, '.switchyard.config.json.swp');
      writeFileSync(temp, JSON.stringify({ mcpServers }, null, 2));
      renameSync(temp, file);
    };
    const config: Config = { ...ConfigSchema.parse({}), home: join(dir, 'home') };
    fleet = new Fleet({ createTransport: createBuiltinTransportFactory({ config }) });
    return { file, entry, save };
  }

  it('restarts only the server whose entry changed, and keeps the config when a save is invalid', async () => {
    const { file, entry, save } = setUp();
    save({ fsA: entry('a'), fsB: entry('b') });
    const initial = serversFromConfig(loadConfig({ file, env: {} }).config.mcpServers, { file });
    await startServers(fleet!, initial);
    await Promise.all(['fsA', 'fsB'].map((name) => fleet!.require(name).waitUntilReady()));
    const fsA = fleet!.require('fsA');
    const fsB = fleet!.require('fsB');

    const membership: MembershipChange[] = [];
    const states: StateChange[] = [];
    fleet!.on('membership', (change) => membership.push(change));
    fleet!.on('state', (change) => states.push(change));
    const applied: ServerDiff[] = [];
    const { logger, lines } = captureLogger();
    watcher = watchConfig({
      file,
      current: initial,
      env: {},
      debounceMs: 50,
      logger,
      onChange: async (diff) => {
        await applyServerChanges(fleet!, diff);
        applied.push(diff);
      },
    });

    save({ fsA: entry('a'), fsB: entry('c') });
    await until('the change to be applied', () => applied.length === 1);
    const [diff] = applied;
    expect(diff!.changed.map((change) => change.after.name)).toEqual(['fsB']);
    expect(diff!.added).toEqual([]);
    expect(diff!.removed).toEqual([]);
    expect(membership.map((change) => [change.name, change.change])).toEqual([['fsB', 'replaced']]);
    // fsA kept its upstream and never changed state.
    expect(fleet!.get('fsA')).toBe(fsA);
    expect(states.filter((change) => change.name === 'fsA')).toEqual([]);
    expect(fsA.state).toBe('ready');
    const newB = fleet!.require('fsB');
    expect(newB).not.toBe(fsB);
    expect(fsB.state).toBe('stopped');
    await newB.waitUntilReady();
    expect(textOf(await newB.callTool('list_allowed_directories'))).toContain(join(dir, 'c'));

    // An invalid save: logged with the field, nothing restarts, the running config stays.
    const running = watcher.servers;
    save({ fsA: { ...entry('a'), startupTimeoutMs: 'soon' }, fsB: entry('b') });
    await until('the invalid file to be logged', () => lines.some((line) => line.event === 'config_invalid'));
    const logged = lines.find((line) => line.event === 'config_invalid')!;
    expect(String(logged.msg)).toContain(`${file}: mcpServers.fsA.startupTimeoutMs:`);
    expect(logged.level).toBe(50);
    expect(watcher.servers).toBe(running);
    expect(applied).toHaveLength(1);
    expect(fleet!.get('fsA')).toBe(fsA);
    expect(fleet!.get('fsB')).toBe(newB);
    expect(membership).toHaveLength(1);
  });

  it('adds and removes servers, and a save without changes restarts nothing', async () => {
    const { file, entry, save } = setUp();
    save({ fsA: entry('a') });
    const initial = serversFromConfig(loadConfig({ file, env: {} }).config.mcpServers, { file });
    await startServers(fleet!, initial);
    const applied: Array<{ diff: ServerDiff; servers: readonly ResolvedServer[] }> = [];
    const { logger, lines } = captureLogger();
    watcher = watchConfig({
      file,
      current: initial,
      env: {},
      debounceMs: 50,
      logger,
      onChange: async (diff, servers) => {
        await applyServerChanges(fleet!, diff);
        applied.push({ diff, servers });
      },
    });

    save({ fsA: entry('a') });
    await until('the unchanged save to be read', () =>
      lines.some((line) => line.msg === 'config file saved; no server changed'),
    );
    expect(applied).toEqual([]);

    save({ fsB: entry('b'), fsC: { ...entry('c'), disabled: true } });
    await until('the change to be applied', () => applied.length === 1);
    expect(applied[0]!.diff.added.map((server) => server.name)).toEqual(['fsB', 'fsC']);
    expect(applied[0]!.diff.removed.map((server) => server.name)).toEqual(['fsA']);
    expect(fleet!.names()).toEqual(['fsB']);
    expect(watcher.servers.map((server) => server.name)).toEqual(['fsB', 'fsC']);
  });
});
