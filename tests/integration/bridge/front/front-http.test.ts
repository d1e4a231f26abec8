import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFrontHttpHandler,
  type FrontHttpHandler,
} from '../../../../bridge/front/front-http-handler.js';
import { composeEverythingBridge, serveMcpOverHttp } from '../../../support/everything-bridge.js';

// The front over Streamable HTTP as the API mounts it: a plain node server hands `/mcp` to the
// handler. server-everything is the one upstream.

const TOKEN = 'front-test-token';

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : JSON.stringify(part))).join('');
}

describe('the front over Streamable HTTP', () => {
  let everything: Awaited<ReturnType<typeof composeEverythingBridge>>;
  let front: FrontHttpHandler;
  let served: Awaited<ReturnType<typeof serveMcpOverHttp>>;
  let url: URL;

  beforeAll(async () => {
    everything = await composeEverythingBridge('switchyard-front-http-');
    const { bridge } = everything;
    front = createFrontHttpHandler({
      catalog: bridge.catalog,
      hub: bridge.hub,
      ready: bridge.ready,
      bearerToken: TOKEN,
    });
    served = await serveMcpOverHttp(async (req, res) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') return void res.writeHead(404).end();
      await front.handle(req, res);
    });
    url = served.url;
  });

  afterAll(async () => {
    await front?.close();
    await served?.close();
    await everything?.close();
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
    client.setRequestHandler('sampling/createMessage', async () => ({
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
