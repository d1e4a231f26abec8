// In-memory upstreams for the catalog tests: each connection attempt of the fleet gets a fresh SDK
// McpServer, built by the test's builder for that server name, joined by the SDK's in-memory
// pair. `exit(name)` ends the current "process", as a crash would.
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import type { Transport, JSONRPCMessage } from '@modelcontextprotocol/server';
import { vi } from 'vitest';
import { z } from 'zod';
import { Catalog, type CatalogOptions } from '../../../../bridge/catalog/catalog.js';
import { Fleet } from '../../../../bridge/fleet/fleet.js';
import type { ExitStatus } from '../../../../bridge/fleet/process-group-transport.js';
import type { UpstreamSpecInput } from '../../../../bridge/fleet/upstream-spec.js';
import type { TransportFactory, UpstreamTransport } from '../../../../bridge/fleet/upstream-transport.js';

export type Builder = (server: McpServer, name: string) => void;

class FakeProcess implements UpstreamTransport {
  onclose?: Transport['onclose'];
  onerror?: Transport['onerror'];
  onmessage?: Transport['onmessage'];
  exitStatus: ExitStatus | undefined;
  readonly server: McpServer;
  private readonly inner: InMemoryTransport;

  constructor(name: string, build: Builder) {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    this.inner = clientSide;
    // McpServer declares tools, resources and prompts (with listChanged) as they are registered.
    this.server = new McpServer({ name, version: '1' });
    build(this.server, name);
    this.server.connect(serverSide).catch((error: unknown) => {
      throw new Error(`fake server did not connect: ${String(error)}`);
    });
  }

  async start(): Promise<void> {
    this.inner.onmessage = (message, extra) => this.onmessage?.(message, extra);
    this.inner.onclose = () => this.onclose?.();
    await this.inner.start();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.inner.send(message);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  exit(code: number): void {
    this.exitStatus = { code, signal: null };
    this.inner.close().catch((error: unknown) => {
      throw error;
    });
  }
}

/** The builders by server name, and every fake made. */
export class FakeServers {
  readonly builders = new Map<string, Builder>();
  readonly spawned: Array<{ name: string; fake: FakeProcess }> = [];
  /** Names whose next attempts die at once (the fleet then restarts them with backoff). */
  readonly failing = new Set<string>();

  readonly factory: TransportFactory = (spec) => {
    const fake = new FakeProcess(spec.name, this.builders.get(spec.name) ?? (() => undefined));
    this.spawned.push({ name: spec.name, fake });
    if (this.failing.has(spec.name)) queueMicrotask(() => fake.exit(1));
    return fake;
  };

  /** The McpServer of `name`'s current process. */
  server(name: string): McpServer {
    const last = this.spawned.filter((s) => s.name === name).at(-1);
    if (!last) throw new Error(`no fake server for ${name}`);
    return last.fake.server;
  }

  exit(name: string): void {
    const last = this.spawned.filter((s) => s.name === name).at(-1);
    if (!last) throw new Error(`no fake server for ${name}`);
    last.fake.exit(1);
  }
}

export const spec = (name: string, extra: Partial<UpstreamSpecInput> = {}): UpstreamSpecInput =>
  ({
    name,
    transport: 'stdio',
    command: 'fake',
    pingIntervalMs: 0,
    restart: { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0, crashLoop: { maxRestarts: 3 } },
    ...extra,
  }) as UpstreamSpecInput;

/** A builder with text tools named `names`, each answering `<server>:<tool>`. */
export const tools =
  (...names: string[]): Builder =>
  (server, serverName) => {
    for (const name of names)
      server.registerTool(
        name,
        { description: `The ${name} tool.`, inputSchema: z.object({ text: z.string().optional() }) },
        async () => ({ content: [{ type: 'text', text: `${serverName}:${name}` }] }),
      );
  };

export interface Harness {
  fakes: FakeServers;
  fleet: Fleet;
  catalog: Catalog;
  /** Adds servers (builder per name) and waits until they are listed. */
  add(servers: Record<string, Builder>, extra?: Partial<UpstreamSpecInput>): Promise<void>;
  /** Lets the fleet and the catalog settle: pending promises, list requests, the debounce. */
  settle(): Promise<void>;
  /** Lets `ms` of fake time pass, then settles. */
  settleFor(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** A fleet of fake servers under fake timers, with a catalog over it. */
export async function createHarness(
  servers: Record<string, Builder>,
  options: CatalogOptions = {},
): Promise<Harness> {
  vi.useFakeTimers();
  const fakes = new FakeServers();
  const fleet = new Fleet({ createTransport: fakes.factory, random: () => 0.5, killOnExit: false });
  const catalog = new Catalog(fleet, { debounceMs: 10, ...options });
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(0);
      await catalog.whenIdle();
    }
    await vi.advanceTimersByTimeAsync(10);
  };
  const harness: Harness = {
    fakes,
    fleet,
    catalog,
    settle,
    settleFor: async (ms) => {
      await vi.advanceTimersByTimeAsync(ms);
      await settle();
    },
    add: async (more, extra) => {
      for (const [name, build] of Object.entries(more)) {
        fakes.builders.set(name, build);
        await fleet.add(spec(name, extra));
      }
      await settle();
    },
    close: async () => {
      catalog.close();
      await fleet.stop();
      vi.useRealTimers();
    },
  };
  await harness.add(servers);
  return harness;
}
