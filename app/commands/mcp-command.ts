import { type Command, InvalidArgumentError } from 'commander';
import { commandContext } from '../context.js';
import { mcpRole } from '../roles/mcp-role.js';
interface McpOptions {
  timeout?: number;
}

/**
 * `switchyard mcp`: the bridge over stdio, what Claude Desktop starts (app/roles/mcp-role.ts).
 * stdout carries JSON-RPC only; logs go to stderr. When the client ends stdin, or on SIGTERM /
 * SIGINT, the front closes and then the fleet, so no upstream process outlives the bridge.
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
      const role = await mcpRole(commandContext(command), {
        ...(options.timeout !== undefined ? { callTimeoutMs: options.timeout } : {}),
      });
      try {
        await role.ended;
      } finally {
        await role.close();
      }
    });
}

function parseMs(value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms <= 0)
    throw new InvalidArgumentError('expected a positive number of milliseconds');
  return ms;
}
