import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComposedBridge, composeBridge } from '../../../../bridge/compose-bridge.js';
import {
  createFrontHttpHandler,
  type FrontHttpHandler,
} from '../../../../bridge/front/front-http-handler.js';
import { ConfigSchema } from '../../../../runtime/config/config-schema.js';

// The front over Streamable HTTP as the API mounts it: a plain node server hands `/mcp` to the
// handler. server-everything is the one upstream.

const EVERYTHING = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);
const TOKEN = 'front-test-token';

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : JSON.stringify(part))).join('');
}

describe('the front over Streamable HTTP', () => {
  let home: string;
  let bridge: ComposedBridge;
  let front: FrontHttpHandler;
  let http: HttpServer;
  let url: URL;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'switchyard-front-http-'));
    const config = {
      ...ConfigSchema.parse({
        mcpServers: { everything: { command: process.execPath, args: [EVERYTHING], pingIntervalMs: 0 } },
      }),
      home,
    };
    bridge = await composeBridge({ config });
    await bridge.ready;
    front = createFrontHttpHandler({
      catalog: bridge.catalog,
      hub: bridge.hub,
      ready: bridge.ready,
      bearerToken: TOKEN,
    });
    http = createServer((req, res) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') return void res.writeHead(404).end();
      front.handle(req, res).catch((error: unknown) => res.destroy(error as Error));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
  });

  afterAll(async () => {
    await front?.close();
    http?.closeAllConnections();
    await new Promise((resolve) => http?.close(resolve));
    await bridge?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const connect = async (client: Client) => {
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    });
    await client.connect(transport);
    return client;
  };

  it('lists and calls tools, and relays sampling on the call it belongs to', async () => {
    const client = new Client({ name: 'http-client', version: '1' }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      model: 'm',
      role: 'assistant',
      content: { type: 'text', text: 'sampled over http' },
    }));
    await connect(client);
    try {
      expect(front.sessionCount).toBe(1);
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('everything__echo');
      const echo = (await client.callTool({
        name: 'everything__echo',
        arguments: { message: 'yo' },
      })) as CallToolResult;
      expect(textOf(echo)).toBe('Echo: yo');
      const sampled = (await client.callTool({
        name: 'everything__trigger-sampling-request',
        arguments: { prompt: 'p' },
      })) as CallToolResult;
      expect(textOf(sampled)).toContain('sampled over http');
    } finally {
      await client.close();
    }
  });

  it('refuses a request without the bearer token, and an unknown session with 404', async () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const anonymous = await fetch(url, { method: 'POST', headers, body: JSON.stringify(init) });
    expect(anonymous.status).toBe(401);
    const stale = await fetch(url, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${TOKEN}`, 'mcp-session-id': 'no-such-session' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(stale.status).toBe(404);
  });
});
