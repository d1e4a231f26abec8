import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type {
  CallToolResult,
  LoggingMessageNotification,
  ProgressNotification,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComposedBridge, composeBridge } from '../../../../app/compose/compose-bridge.js';
import { createFrontServer, type FrontServerOptions } from '../../../../bridge/front/front-server.js';
import { ConfigSchema } from '../../../../app/config/config-schema.js';
import { captureLogger } from '../../../support/capture-logger.js';

// server-everything (plain node, a fraction of a second to start) and the fleet fixture (under
// tsx, a couple of seconds here) as real stdio upstreams of one composed bridge; SDK clients talk
// to front instances over the in-memory transport. One bridge for the file keeps it light.

const EVERYTHING = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);
const FIXTURE = join(import.meta.dirname, '../../../support/fleet-fixture-server.ts');
const TSX = import.meta.resolve('tsx');
const READY_MS = 60_000;

const upstream = (args: string[]) => ({
  command: process.execPath,
  args,
  startupTimeoutMs: READY_MS,
  killGraceMs: 1000,
  pingIntervalMs: 0,
});

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : JSON.stringify(part))).join('');
}

describe('the front, fronting server-everything', () => {
  let home: string;
  let bridge: ComposedBridge;
  const { logger, lines } = captureLogger();
  const opened: Array<{ client: Client; cleanup(): Promise<void> }> = [];

  async function connect(client: Client, options: Partial<FrontServerOptions> = {}) {
    const front = createFrontServer({ catalog: bridge.catalog, hub: bridge.hub, logger, ...options });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await front.server.connect(serverSide);
    await client.connect(clientSide);
    opened.push({ client, cleanup: front.cleanup });
    return client;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'switchyard-front-'));
    const config = {
      ...ConfigSchema.parse({
        mcpServers: { everything: upstream([EVERYTHING]), fixture: upstream(['--import', TSX, FIXTURE]) },
      }),
      home,
    };
    bridge = await composeBridge({ config, logger });
    await Promise.all(
      bridge.fleet.names().map((name) => bridge.fleet.require(name).waitUntilReady({ timeoutMs: READY_MS })),
    );
    // server-everything registers its sampling and elicitation tools after initialize, then
    // announces them with list_changed.
    await waitFor(() => bridge.catalog.findTool('everything__trigger-sampling-request'), 'conditional tools');
    await waitFor(() => bridge.catalog.findTool('fixture__slow'), 'fixture tools');
  });

  afterAll(async () => {
    for (const { client, cleanup } of opened) {
      await client.close();
      await cleanup();
    }
    await bridge?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('lists every upstream tool under its stable name', async () => {
    const client = await connect(new Client({ name: 'lister', version: '1' }));
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(['everything__echo', 'everything__get-sum', 'fixture__echo', 'fixture__slow']),
    );
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });

  it('relays content, structuredContent and isError unchanged', async () => {
    const client = await connect(new Client({ name: 'relay', version: '1' }));
    const direct = bridge.fleet.require('everything');
    for (const [tool, args] of [
      ['get-structured-content', { location: 'New York' }],
      ['get-tiny-image', {}],
      ['get-annotated-message', { messageType: 'error', includeImage: true }],
      ['get-resource-links', { count: 2 }],
    ] as const) {
      const viaBridge = await client.callTool({ name: `everything__${tool}`, arguments: args });
      expect(viaBridge, tool).toEqual(await direct.callTool(tool, args));
    }
    const structured = await client.callTool({
      name: 'everything__get-structured-content',
      arguments: { location: 'New York' },
    });
    expect(structured.structuredContent).toMatchObject({ temperature: expect.any(Number) });
    const failed = (await client.callTool({ name: 'fixture__fail' })) as CallToolResult;
    expect(failed).toEqual({ isError: true, content: [{ type: 'text', text: 'refused' }] });
  });

  it('answers an unknown tool with an isError result naming it', async () => {
    const client = await connect(new Client({ name: 'unknown', version: '1' }));
    const result = (await client.callTool({ name: 'nowhere__nothing' })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('nowhere__nothing');
  });

  it("sends progress to the client under the client's own token", async () => {
    const client = new Client({ name: 'progress', version: '1' });
    const seen: ProgressNotification['params'][] = [];
    await connect(client);
    // Replaces the SDK's own progress routing, to see the raw tokens.
    client.setNotificationHandler('notifications/progress', (n) => void seen.push(n.params));
    const result = await client.request({
      method: 'tools/call',
      params: {
        name: 'everything__trigger-long-running-operation',
        arguments: { duration: 0.3, steps: 3 },
        _meta: { progressToken: 'my-own-token' },
      },
    });
    expect(textOf(result)).toContain('Long running operation completed');
    expect(seen.map((p) => [p.progressToken, p.progress, p.total])).toEqual([
      ['my-own-token', 1, 3],
      ['my-own-token', 2, 3],
      ['my-own-token', 3, 3],
    ]);
  });

  it('relays the last progress notification too, when it arrives with the result', async () => {
    // Regression: the SDK client handled the response before a notification read in the same
    // chunk, and dropped that notification (about one call in five here).
    const client = await connect(new Client({ name: 'progress-burst', version: '1' }));
    for (let i = 0; i < 10; i++) {
      const seen: number[] = [];
      await client.callTool(
        { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.01, steps: 3 } },
        { onprogress: (progress) => void seen.push(progress.progress) },
      );
      expect(seen).toEqual([1, 2, 3]);
    }
  });

  it('cancels the upstream request when the client cancels', async () => {
    const client = await connect(new Client({ name: 'cancel', version: '1' }));
    const controller = new AbortController();
    const before = lines.length;
    const call = client.callTool(
      { name: 'fixture__slow', arguments: { ms: 20_000 } },
      {
        signal: controller.signal,
      },
    );
    await waitFor(() => lines.slice(before).some((l) => l.msg === 'slow started'), 'the slow call to start');
    controller.abort('the user gave up');
    await expect(call).rejects.toThrow(/the user gave up/);
    const cancelled = await waitFor(
      () => lines.slice(before).find((l) => String(l.msg).startsWith('slow cancelled')),
      'the upstream to see notifications/cancelled',
    );
    expect(cancelled.server).toBe('fixture');
  });

  it('ends a call past the configured timeout with an isError result', async () => {
    const client = await connect(new Client({ name: 'timeout', version: '1' }), { callTimeoutMs: 300 });
    const result = (await client.callTool({
      name: 'fixture__slow',
      arguments: { ms: 5_000 },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/'fixture' did not answer tools\/call within 300 ms/);
  });

  it('relays upstream log messages at the level the client set, tagged with the server', async () => {
    const client = await connect(new Client({ name: 'logs', version: '1' }));
    const messages: LoggingMessageNotification['params'][] = [];
    client.setNotificationHandler('notifications/message', (n) => void messages.push(n.params));
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'everything__toggle-simulated-logging' });
    try {
      const message = await waitFor(() => messages.find((m) => m.logger === 'everything'), 'a log message');
      expect(String(message.data)).toMatch(/message/i);
    } finally {
      await client.callTool({ name: 'everything__toggle-simulated-logging' });
    }
  });

  it('relays sampling to the client that made the call, and its answer back', async () => {
    const client = new Client({ name: 'sampler', version: '1' }, { capabilities: { sampling: {} } });
    const asked: string[] = [];
    client.setRequestHandler('sampling/createMessage', async (request) => {
      const first = request.params.messages[0]?.content;
      asked.push(first && 'text' in first ? String(first.text) : '');
      return {
        model: 'test-model',
        role: 'assistant',
        content: { type: 'text', text: 'sampled by the client' },
      };
    });
    await connect(client);
    const result = (await client.callTool({
      name: 'everything__trigger-sampling-request',
      arguments: { prompt: 'say hi' },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('sampled by the client');
    expect(asked).toEqual([expect.stringContaining('say hi')]);
  });

  it('refuses sampling for a client that did not declare it, with a clear error', async () => {
    const client = await connect(new Client({ name: 'no-sampling', version: '1' }));
    const result = (await client.callTool({
      name: 'everything__trigger-sampling-request',
      arguments: { prompt: 'say hi' },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/does not support sampling/);
  });

  it('relays elicitation to the calling client, and its answer back', async () => {
    const client = new Client({ name: 'elicited', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { name: 'Ana Lima' },
    }));
    await connect(client);
    const result = (await client.callTool({
      name: 'everything__trigger-elicitation-request',
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('Ana Lima');
  });

  it('lists and reads resources, and relays updates of a subscribed one', async () => {
    const client = await connect(new Client({ name: 'resources', version: '1' }));
    const { resources } = await client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain(
      'demo://resource/dynamic/text/{resourceId}',
    );
    const read = await client.readResource({ uri: 'demo://resource/dynamic/text/1' });
    expect(read.contents[0]?.uri).toBe('demo://resource/dynamic/text/1');

    const uri = resources[0]!.uri;
    const updated: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
    await client.subscribeResource({ uri });
    await client.callTool({ name: 'everything__toggle-subscriber-updates' });
    try {
      await waitFor(() => updated.includes(uri), 'notifications/resources/updated');
    } finally {
      await client.callTool({ name: 'everything__toggle-subscriber-updates' });
      await client.unsubscribeResource({ uri });
    }
  });

  it('gets prompts and completes their arguments', async () => {
    const client = await connect(new Client({ name: 'prompts', version: '1' }));
    const names = (await client.listPrompts()).prompts.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['everything__args-prompt', 'everything__completable-prompt']),
    );
    const prompt = await client.getPrompt({ name: 'everything__args-prompt', arguments: { city: 'Lisbon' } });
    expect(JSON.stringify(prompt.messages)).toContain('Lisbon');
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'everything__completable-prompt' },
      argument: { name: 'department', value: 'Eng' },
    });
    expect(completion.completion.values).toEqual(['Engineering']);
    await expect(client.ping()).resolves.toEqual({});
  });

  it('tells clients the tool list changed when an upstream is added', async () => {
    const client = await connect(new Client({ name: 'changes', version: '1' }));
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void (changed += 1));
    await bridge.fleet.add({ name: 'more', transport: 'stdio', ...upstream([EVERYTHING]) });
    try {
      await waitFor(() => changed > 0, 'tools/list_changed');
      await waitFor(() => bridge.catalog.findTool('more__echo'), 'more__echo in the catalog');
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('more__echo');
    } finally {
      await bridge.fleet.remove('more');
    }
  });
});
