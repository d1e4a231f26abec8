import type { Command } from 'commander';
import { commandContext } from '../context.js';
import { startRole } from '../roles/start-role.js';
import { nextSignal } from './next-signal.js';

/**
 * `switchyard start`: the bridge as a service — the fleet and its catalog, the HTTP and WebSocket
 * API on `api.host:api.port`, and the MCP front over Streamable HTTP at `/mcp` on the same port
 * (app/roles/start-role.ts). The first log line with a `url` says where it listens. SIGTERM or
 * SIGINT stops it, closing what it opened in reverse order.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the bridge: every configured MCP server, the HTTP/WebSocket API and /mcp')
    .action(async (_options: unknown, command: Command) => {
      const context = commandContext(command);
      const service = await startRole(context);
      try {
        const signal = await nextSignal();
        context.logger.info({ signal }, 'stopping');
      } finally {
        await service.close();
      }
    });
}
