import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { CreatedServer, ServerFactory } from '../../runtime/mcp/created-server.js';

/**
 * A tiny MCP server for testing the transports and the contract harness without depending on a
 * real server: one read-only tool with an output schema, one resource and one prompt. `onCleanup`
 * lets a test count how many instances were cleaned up.
 */
export function createEchoServer(options: { onCleanup?: () => void } = {}): CreatedServer {
  const server = new McpServer({ name: 'echo', version: '0.0.1' });
  server.registerTool(
    'echo',
    {
      description: 'Returns the text it is given. Give `text`, a string of at most 100 characters.',
      inputSchema: z.object({ text: z.string().max(100) }),
      outputSchema: z.object({ text: z.string() }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ text }) => {
      if (text === 'boom') return { isError: true, content: [{ type: 'text', text: 'boom is refused' }] };
      return { content: [{ type: 'text', text }], structuredContent: { text } };
    },
  );
  server.registerResource(
    'greeting',
    'echo://greeting',
    { description: 'A fixed greeting', mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, text: 'hello' }] }),
  );
  server.registerPrompt(
    'shout',
    { description: 'Asks for the text in capitals', argsSchema: z.object({ text: z.string() }) },
    ({ text }) => ({ messages: [{ role: 'user', content: { type: 'text', text: text.toUpperCase() } }] }),
  );
  return {
    server,
    cleanup: async () => options.onCleanup?.(),
  };
}

export const echoFactory: ServerFactory = () => createEchoServer();
