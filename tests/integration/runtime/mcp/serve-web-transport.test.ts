import { McpServer } from '@modelcontextprotocol/server';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type HttpHandle, serveHttp } from '../../../../runtime/mcp/serve-http.js';
import { silentLogger } from '../../../../core/logger.js';

// How serveWebTransport answers a POST: application/json when the call sent nothing but its
// response, SSE as soon as something else (progress) comes first; GET streams open at once.

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let handle: HttpHandle | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await handle?.close();
  handle = undefined;
});

/** `echo` answers at once; `steps` reports one progress notification per step when asked to. */
function stepServer(): McpServer {
  const server = new McpServer({ name: 'steps', version: '0.0.1' });
  server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool(
    'steps',
    { inputSchema: z.object({ steps: z.number().int() }) },
    async ({ steps }, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      if (progressToken !== undefined)
        for (let progress = 1; progress <= steps; progress++)
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress, total: steps },
          });
      return { content: [{ type: 'text', text: `${steps} steps` }] };
    },
  );
  return server;
}

async function start(): Promise<HttpHandle> {
  handle = await serveHttp(
    () => {
      const server = stepServer();
      return { server, cleanup: async () => undefined };
    },
    { logger: silentLogger, port: 0 },
  );
  return handle;
}

/** A session opened by hand: its id and protocol version headers, for raw requests. */
async function rawSession(url: string): Promise<Record<string, string>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(await response.json()).toMatchObject({ id: 0, result: { protocolVersion: '2025-06-18' } });
  const session = {
    'mcp-session-id': response.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-06-18',
  };
  const initialized = await fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, ...session },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  expect(initialized.status).toBe(202);
  return session;
}

function call(url: string, session: Record<string, string>, id: number, params: unknown) {
  return fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, ...session },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }),
  });
}

describe('serveWebTransport', () => {
  it('answers a call that sends nothing before its result as application/json, with the session id', async () => {
    const { url } = await start();
    const session = await rawSession(url);
    const response = await call(url, session, 1, { name: 'echo', arguments: { text: 'hi' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('mcp-session-id')).toBe(session['mcp-session-id']);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: 'hi' }] },
    });
  });

  it('streams a call that reports progress as SSE: each notification, then the result', async () => {
    const { url } = await start();
    const session = await rawSession(url);
    const response = await call(url, session, 2, {
      name: 'steps',
      arguments: { steps: 2 },
      _meta: { progressToken: 'p-1' },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const messages = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
    expect(messages).toEqual([
      expect.objectContaining({
        method: 'notifications/progress',
        params: expect.objectContaining({ progress: 1 }),
      }),
      expect.objectContaining({
        method: 'notifications/progress',
        params: expect.objectContaining({ progress: 2 }),
      }),
      expect.objectContaining({ id: 2, result: { content: [{ type: 'text', text: '2 steps' }] } }),
    ]);
  });

  it('delivers progress to an SDK client and the result either way', async () => {
    const { url } = await start();
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    clients.push(client);
    const progress: number[] = [];
    const result = await client.callTool(
      { name: 'steps', arguments: { steps: 3 } },
      {
        onprogress: (notification) => progress.push(notification.progress),
      },
    );
    expect(progress).toEqual([1, 2, 3]);
    expect(result.content).toEqual([{ type: 'text', text: '3 steps' }]);
    expect(await client.callTool({ name: 'echo', arguments: { text: 'plain' } })).toMatchObject({
      content: [{ type: 'text', text: 'plain' }],
    });
  });

  it('opens the standalone GET stream at once, before any event', async () => {
    const { url } = await start();
    const session = await rawSession(url);
    const abort = new AbortController();
    try {
      const response = await fetch(url, {
        headers: { accept: 'text/event-stream', ...session },
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
    } finally {
      abort.abort();
    }
  });
});
