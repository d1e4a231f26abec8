import type { Command } from 'commander';
import { z } from 'zod';
import { addApiOptions, type ApiCommandOptions, apiClientFor, formatTable, oneLine } from './api-client.js';

/** What `GET /v1/tools` answers; fields this command does not show (inputSchema…) pass through. */
const ToolsReplySchema = z.object({
  tools: z.array(
    z.looseObject({
      name: z.string(),
      server: z.string(),
      description: z.string().optional(),
      available: z.boolean(),
    }),
  ),
});

type ToolRow = z.infer<typeof ToolsReplySchema>['tools'][number];

interface ToolsOptions extends ApiCommandOptions {
  server?: string;
  json?: boolean;
}

/** `switchyard tools [--server <name>] [--json]`: the catalog of a running bridge, from its API. */
export function registerToolsCommand(program: Command): void {
  addApiOptions(
    program
      .command('tools')
      .description('list the tools of a running bridge (switchyard start), with their availability')
      .option('--server <name>', 'only the tools of this MCP server')
      .option('--json', 'print the API answer as JSON (with input schemas and annotations)'),
    15_000,
  ).action(async (options: ToolsOptions, command: Command) => {
    const reply = await apiClientFor(command, options).get('/v1/tools', ToolsReplySchema);
    // The API has no server filter: the catalog is small enough to filter here.
    const tools =
      options.server === undefined
        ? reply.tools
        : reply.tools.filter((tool) => tool.server === options.server);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ tools }, null, 2)}\n`);
      return;
    }
    if (tools.length === 0 && options.server !== undefined) {
      const servers = [...new Set(reply.tools.map((tool) => tool.server))].sort();
      process.stdout.write(
        `no tools of server '${options.server}'; servers with tools: ${servers.join(', ') || 'none'}\n`,
      );
      return;
    }
    process.stdout.write(formatTools(tools));
  });
}

export function formatTools(tools: readonly ToolRow[]): string {
  if (tools.length === 0) return 'the bridge has no tools\n';
  return formatTable(
    ['NAME', 'SERVER', 'AVAILABLE', 'DESCRIPTION'],
    tools.map((tool) => [
      tool.name,
      tool.server,
      tool.available ? 'yes' : 'no',
      // The first line only: descriptions written for models run to paragraphs.
      oneLine(tool.description?.split('\n')[0] ?? '', 80),
    ]),
  );
}
