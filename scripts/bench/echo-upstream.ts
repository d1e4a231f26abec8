// The upstream of bench:bridge: the lightest MCP server with an `echo` tool, over stdio, so the
// benchmark measures the bridge rather than the server behind it. Not a library: run it as a process.
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

const server = new McpServer({ name: 'bench-echo', version: '0.0.1' });
server.registerTool(
  'echo',
  {
    description: 'Returns the text it is given.',
    inputSchema: z.object({ text: z.string() }),
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  async ({ text }) => ({ content: [{ type: 'text', text }] }),
);
// The client ends stdin to stop it; the transport's close ends the process's only handles.
await server.connect(new StdioServerTransport());
