import { McpServer } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createBuiltinTransportFactory } from '../../../../app/servers/builtin-transport.js';
import { Fleet } from '../../../../bridge/fleet/fleet.js';
import type { McpServerRegistry } from '../../../../app/servers/mcp-server-registry.js';
import { type Config, ConfigSchema } from '../../../../app/config/config-schema.js';
import type { StateChange } from '../../../../bridge/fleet/upstream-events.js';

const CONFIG: Config = { ...ConfigSchema.parse({}), home: '/nonexistent' };

/** A registry of one server, `probe`, that counts compositions, instances and what closed them. */
function probeRegistry() {
  const counts = { composed: 0, instances: 0, cleanups: 0, closes: 0, failNext: false };
  const servers: McpServer[] = [];
  const registry: McpServerRegistry = {
    probe: {
      description: 'counts its instances',
      args: 'anything',
      async create(_config, deps) {
        if (counts.failNext) {
          counts.failNext = false;
          throw new Error('the store is locked');
        }
        counts.composed += 1;
        const args = deps.args ?? [];
        return {
          factory: () => {
            const instance = ++counts.instances;
            const server = new McpServer({ name: 'probe', version: '1' });
            server.registerTool('whoami', {}, async () => ({
              content: [{ type: 'text', text: `instance ${instance} args ${args.join(',')}` }],
            }));
            servers.push(server);
            return { server, cleanup: async () => void (counts.cleanups += 1) };
          },
          close: async () => void (counts.closes += 1),
        };
      },
    },
  };
  return { counts, servers, registry };
}

const text = (result: CallToolResult) =>
  result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');

describe('built-in servers in process', () => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  const builtin = (name: string) => ({
    name,
    transport: 'builtin' as const,
    server: 'probe',
    args: ['a', 'b'],
    pingIntervalMs: 0,
    restart: { initialDelayMs: 0, maxDelayMs: 10, jitter: 0 },
  });

  it('runs a registry server without a process and re-creates it on restart', async () => {
    const { counts, registry } = probeRegistry();
    fleet = new Fleet({ createTransport: createBuiltinTransportFactory({ config: CONFIG, registry }) });
    const upstream = await fleet.add(builtin('p'));
    await upstream.waitUntilReady();
    expect(text(await upstream.callTool('whoami'))).toBe('instance 1 args a,b');
    expect(fleet.list()[0]).toMatchObject({
      name: 'p',
      transport: 'builtin',
      state: 'ready',
      pid: undefined,
    });

    await upstream.restart('test');
    expect(text(await upstream.callTool('whoami'))).toBe('instance 2 args a,b');
    // The first instance's cleanup and its composition's close ran.
    expect(counts).toMatchObject({ composed: 2, instances: 2, cleanups: 1, closes: 1 });

    await fleet.stop();
    expect(counts).toMatchObject({ cleanups: 2, closes: 2 });
    expect(fleet.list()[0]?.state).toBe('stopped');
  });

  it('restarts when the server closes its side', async () => {
    const { counts, servers, registry } = probeRegistry();
    fleet = new Fleet({ createTransport: createBuiltinTransportFactory({ config: CONFIG, registry }) });
    const upstream = await fleet.add(builtin('p'));
    await upstream.waitUntilReady();
    const states: StateChange[] = [];
    upstream.on('state', (change) => states.push(change));
    const ready = new Promise<void>((resolve) =>
      upstream.on('state', (change) => change.to === 'ready' && resolve()),
    );
    await servers[0]!.close();
    await ready;
    expect(states.map((change) => change.to)).toEqual(['restarting', 'ready']);
    expect(states[0]?.reason).toBe('connection closed');
    expect(text(await upstream.callTool('whoami'))).toMatch(/^instance 2 /);
    expect(counts.cleanups).toBe(1);
  });

  it('reports a composition that fails as a failed start, and retries', async () => {
    const { counts, registry } = probeRegistry();
    counts.failNext = true;
    fleet = new Fleet({ createTransport: createBuiltinTransportFactory({ config: CONFIG, registry }) });
    const upstream = await fleet.add(builtin('p'));
    const failed = new Promise<StateChange>((resolve) =>
      upstream.on('state', (change) => change.to === 'restarting' && resolve(change)),
    );
    expect((await failed).reason).toBe('did not start: the store is locked');
    await upstream.waitUntilReady();
    expect(text(await upstream.callTool('whoami'))).toMatch(/^instance 1 /);
  });

  it('refuses a builtin spec in a fleet without the built-in factory, saying what it needs', async () => {
    fleet = new Fleet();
    const upstream = await fleet.add({ ...builtin('p'), restart: { policy: 'never' } });
    await expect(upstream.waitUntilReady()).rejects.toThrow(/createBuiltinTransportFactory/);
  });

  it('names the server when the registry has no such built-in', async () => {
    const { registry } = probeRegistry();
    fleet = new Fleet({ createTransport: createBuiltinTransportFactory({ config: CONFIG, registry }) });
    const upstream = await fleet.add({ ...builtin('x'), server: 'nope', restart: { policy: 'never' } });
    await expect(upstream.waitUntilReady()).rejects.toThrow(
      /unknown MCP server 'nope'; known servers: probe/,
    );
  });
});
