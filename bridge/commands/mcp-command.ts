import { type Command, InvalidArgumentError } from 'commander';
import { serveStdio } from '../../runtime/mcp/serve-stdio.js';
import { composeBridge } from '../compose-bridge.js';
import { commandContext } from '../context.js';
import { createFrontServer } from '../front/front-server.js';

interface McpOptions {
  timeout?: number;
}

/**
 * `switchyard mcp`: the bridge over stdio, what Claude Desktop starts. stdout carries JSON-RPC
 * only; logs go to stderr. When the client ends stdin, or on SIGTERM / SIGINT, the front closes
 * and then the fleet, so no upstream process outlives the bridge.
 */
export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('serve the catalog of every configured MCP server over stdio (for Claude Desktop)')
    .option(
      '--timeout <ms>',
      "per-call timeout in milliseconds (default: each server's callTimeoutMs)",
      parseMs,
    )
    .action(async (options: McpOptions, command: Command) => {
      const { config, file, logger } = commandContext(command);
      const bridge = await composeBridge({ config, file, logger });
      try {
        const handle = await serveStdio(
          () =>
            createFrontServer({
              catalog: bridge.catalog,
              hub: bridge.hub,
              ready: bridge.ready,
              logger,
              ...(options.timeout !== undefined ? { callTimeoutMs: options.timeout } : {}),
            }),
          { logger },
        );
        await handle.closed;
      } finally {
        await bridge.close();
      }
    });
}

function parseMs(value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms <= 0)
    throw new InvalidArgumentError('expected a positive number of milliseconds');
  return ms;
}
