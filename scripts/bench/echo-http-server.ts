// The second baseline of bench:bridge: the same `echo` tool served by the bare SDK over Streamable
// HTTP, as the SDK documents it (one McpServer and StreamableHTTPServerTransport per session, the
// transport reading the body), with no bridge behind or around it. `--json` sets the transport's
// `enableJsonResponse`. Logs `{"url": …}` on stderr once it listens on a loopback port. Not a
// library: run it as a process; SIGTERM ends it.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

const enableJsonResponse = process.argv.includes('--json');
const sessions = new Map<string, NodeStreamableHTTPServerTransport>();

function echoServer(): McpServer {
  const server = new McpServer({ name: 'bench-echo-http', version: '0.0.1' });
  server.registerTool(
    'echo',
    {
      description: 'Returns the text it is given.',
      inputSchema: z.object({ text: z.string() }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}

const http = createServer((req, res) => {
  const sessionId = req.headers['mcp-session-id'];
  let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
  if (req.url !== '/mcp' || (sessionId !== undefined && !transport)) {
    res.writeHead(404).end();
    return;
  }
  const serve = async () => {
    if (!transport) {
      const created = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse,
        onsessioninitialized: (id) => void sessions.set(id, created),
      });
      created.onclose = () => void (created.sessionId && sessions.delete(created.sessionId));
      await echoServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  };
  serve().catch((error: unknown) => {
    process.stderr.write(`echo-http-server: ${String(error)}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  process.stderr.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
