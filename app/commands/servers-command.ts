import type { Command } from 'commander';
import { z } from 'zod';
import { addApiOptions, type ApiCommandOptions, apiClientFor, formatTable, oneLine } from './api-client.js';

/** What `GET /v1/servers` answers (the fleet's UpstreamInfo); fields this command does not show pass through. */
const ServersReplySchema = z.object({
  servers: z.array(
    z.looseObject({
      name: z.string(),
      transport: z.string(),
      state: z.string(),
      since: z.number(),
      restarts: z.number(),
      lastError: z.string().optional(),
    }),
  ),
});

type ServerRow = z.infer<typeof ServersReplySchema>['servers'][number];

interface ServersOptions extends ApiCommandOptions {
  json?: boolean;
}

/** `switchyard servers [--json]`: the upstream MCP servers of a running bridge, from its API. */
export function registerServersCommand(program: Command): void {
  addApiOptions(
    program
      .command('servers')
      .description('list the MCP servers of a running bridge (switchyard start) and their states')
      .option('--json', 'print the API answer as JSON'),
    15_000,
  ).action(async (options: ServersOptions, command: Command) => {
    const reply = await apiClientFor(command, options).get('/v1/servers', ServersReplySchema);
    process.stdout.write(options.json ? `${JSON.stringify(reply, null, 2)}\n` : formatServers(reply.servers));
  });
}

export function formatServers(servers: readonly ServerRow[]): string {
  if (servers.length === 0) return 'the bridge has no MCP servers configured\n';
  return formatTable(
    ['NAME', 'TRANSPORT', 'STATE', 'SINCE', 'RESTARTS', 'LAST ERROR'],
    servers.map((server) => [
      server.name,
      server.transport,
      server.state,
      timestamp(server.since),
      String(server.restarts),
      server.lastError ? oneLine(server.lastError, 80) : '-',
    ]),
  );
}

/** An epoch-ms instant in UTC to the second: `2026-12-01T14:40:02Z`. */
function timestamp(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? '-' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
