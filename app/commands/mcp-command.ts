import { type Command, InvalidArgumentError } from 'commander';
import { serveStdio } from '#runtime/mcp';
import { AuditLog } from '../api/audit-log.js';
import { STDIO_CALLER } from '#bridge/access';
import { observeMcpCalls } from '../api/observe-mcp-calls.js';
import { ToolCallEvents } from '../api/tool-call-events.js';
import { composeBridge } from '../compose/compose-bridge.js';
import { composeTasks } from '../compose/compose-tasks.js';
import { commandContext } from '../context.js';
import { createFrontServer } from '#bridge/front';
import { openSqlFromConfig } from '../from-config/sql-from-config.js';

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
      // Every relayed tool call leaves an audit row, as over HTTP (source `stdio`, no key: the
      // caller is the local user who started the process).
      const ownSql = bridge.sql ? undefined : await openSqlFromConfig(config, logger);
      const audit = new AuditLog(bridge.sql ?? ownSql!, { redact: config.api.redact, logger });
      const observeCall = observeMcpCalls(new ToolCallEvents(logger), audit, 'stdio');
      // Agent work from the MCP client (agents__run, tasks__submit, runs__approve, …).
      const work = composeTasks({ config, bridge, sql: bridge.sql ?? ownSql!, logger, audit });
      void work
        .start()
        .catch((error: unknown) => logger.error({ err: error }, 'the agent runtime could not start'));
      try {
        const handle = await serveStdio(
          () =>
            createFrontServer({
              catalog: bridge.catalog,
              hub: bridge.hub,
              ready: bridge.ready,
              logger,
              observeCall,
              // Whoever writes to this process's stdin started it: the machine's owner, every scope.
              callerOf: () => STDIO_CALLER,
              ...(options.timeout !== undefined ? { callTimeoutMs: options.timeout } : {}),
            }),
          { logger },
        );
        await handle.closed;
      } finally {
        await work.close();
        await audit.flush();
        await bridge.close();
        await ownSql?.close();
      }
    });
}

function parseMs(value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms <= 0)
    throw new InvalidArgumentError('expected a positive number of milliseconds');
  return ms;
}
