// In-memory stand-ins for upstream processes, for unit tests of the supervision logic under fake
// timers: each connection attempt gets a fresh SDK McpServer joined by the SDK's in-memory pair,
// and the test decides how that "process" behaves (dies at start, never answers, drops pings,
// exits later with a code).
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import type { Transport, JSONRPCMessage } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ExitStatus } from '../../../../bridge/fleet/process-group-transport.js';
import type { TransportFactory, UpstreamTransport } from '../../../../bridge/fleet/upstream-transport.js';

/** How the next spawned fake behaves when it starts. */
export type StartMode = 'ok' | 'exit' | 'hang';

export class FakeProcess implements UpstreamTransport {
  onclose?: Transport['onclose'];
  onerror?: Transport['onerror'];
  onmessage?: Transport['onmessage'];
  exitStatus: ExitStatus | undefined;
  /** Requests with this method get no answer (the server never sees them). */
  readonly swallow = new Set<string>();
  /** How many tool handlers saw their request cancelled (notifications/cancelled arrived). */
  cancelled = 0;
  closed = false;
  readonly server: McpServer;
  private readonly inner: InMemoryTransport;

  constructor(
    readonly name: string,
    private readonly mode: StartMode,
  ) {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    this.inner = clientSide;
    this.server = createFakeServer(this);
    this.server.connect(serverSide).catch((error: unknown) => {
      throw new Error(`fake server did not connect: ${String(error)}`);
    });
    if (mode === 'hang') this.swallow.add('initialize');
  }

  async start(): Promise<void> {
    this.inner.onmessage = (message, extra) => this.onmessage?.(message, extra);
    this.inner.onclose = () => {
      this.closed = true;
      this.onclose?.();
    };
    await this.inner.start();
    // Dies right after spawning, as a command that exits at once does.
    if (this.mode === 'exit') queueMicrotask(() => this.exit(1));
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if ('method' in message && 'id' in message && this.swallow.has(message.method)) return;
    await this.inner.send(message);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }

  /** The process ends with `code` (or `signal`). */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.exitStatus = { code, signal };
    this.inner.close().catch((error: unknown) => {
      throw error;
    });
  }
}

function createFakeServer(process: FakeProcess): McpServer {
  const server = new McpServer({ name: `fake-${process.name}`, version: '1' });
  server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('fail', {}, async () => ({
    isError: true,
    content: [{ type: 'text', text: 'refused' }],
  }));
  server.registerTool('hang', {}, async (extra) => {
    await new Promise<void>((resolve) =>
      extra.mcpReq.signal.addEventListener('abort', () => {
        process.cancelled += 1;
        resolve();
      }),
    );
    return { content: [{ type: 'text', text: 'cancelled' }] };
  });
  server.registerTool('add_tool', { inputSchema: z.object({ name: z.string() }) }, async ({ name }) => {
    server.registerTool(name, {}, async () => ({ content: [{ type: 'text', text: name }] }));
    return { content: [{ type: 'text', text: 'added' }] };
  });
  server.registerTool('ask', {}, async () => {
    const answer = await server.server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: 'hello?' } }],
      maxTokens: 10,
    });
    return { content: [{ type: 'text', text: answer.content.type === 'text' ? answer.content.text : '?' }] };
  });
  return server;
}

/** The factory to inject, and every fake it made, in order. */
export class FakeUpstreams {
  readonly spawned: FakeProcess[] = [];
  /** How the next fakes start. */
  mode: StartMode = 'ok';

  readonly factory: TransportFactory = (spec) => {
    const fake = new FakeProcess(spec.name, this.mode);
    this.spawned.push(fake);
    return fake;
  };

  /** The fakes made for `name`. */
  of(name: string): FakeProcess[] {
    return this.spawned.filter((fake) => fake.name === name);
  }

  /** The most recent fake for `name`. */
  last(name: string): FakeProcess {
    const fake = this.of(name).at(-1);
    if (!fake) throw new Error(`no fake process for ${name}`);
    return fake;
  }
}
