// A stdio MCP server for the fleet tests, run as a real child process. It writes plain lines to
// stderr that a test can wait for through the fleet's logger (which is also how the tests see that
// stderr is forwarded): `fixture up pid=<pid>` at start, `slow started` and `slow cancelled: …`
// around its slow tool (the second only when notifications/cancelled arrived).
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createLogger } from '../../core/logger.js';
import { serveStdio } from '../../runtime/mcp/serve-stdio.js';

const logger = createLogger({ name: 'fleet-fixture', level: 'warn' });
const say = (line: string) => process.stderr.write(`${line}\n`);

function createFixture() {
  const server = new McpServer({ name: 'fleet-fixture', version: '0.0.1' });
  server.registerTool(
    'echo',
    { description: 'Returns `text`.', inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool('whoami', { description: 'Returns the pid of the server process.' }, async () => ({
    content: [{ type: 'text', text: String(process.pid) }],
  }));
  server.registerTool(
    'slow',
    {
      description: 'Waits `ms` milliseconds unless cancelled.',
      inputSchema: z.object({ ms: z.number().int() }),
    },
    async ({ ms }, ctx) => {
      say('slow started');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        // The SDK server aborts this signal when notifications/cancelled names the request.
        ctx.mcpReq.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          say(`slow cancelled: ${String(ctx.mcpReq.signal.reason)}`);
          resolve();
        });
      });
      return { content: [{ type: 'text', text: 'done' }] };
    },
  );
  server.registerTool(
    'add_tool',
    {
      description: 'Registers a tool named `name` (the server then sends tools/list_changed).',
      inputSchema: z.object({ name: z.string() }),
    },
    async ({ name }) => {
      server.registerTool(name, { description: 'added at run time' }, async () => ({
        content: [{ type: 'text', text: name }],
      }));
      return { content: [{ type: 'text', text: `added ${name}` }] };
    },
  );
  server.registerTool(
    'fail',
    { description: 'Returns a tool error (isError), which is not a failure of the server.' },
    async () => ({ isError: true, content: [{ type: 'text', text: 'refused' }] }),
  );
  return { server, cleanup: async () => undefined };
}

say(`fixture up pid=${process.pid}`);
const handle = await serveStdio(createFixture, { logger });
await handle.closed;
