import { STDIO_CALLER } from '#bridge/access';
import { createFrontServer } from '#bridge/front';
import { serveStdio } from '#runtime/mcp';
import { AuditLog } from '../api/audit-log.js';
import { observeMcpCalls } from '../api/observe-mcp-calls.js';
import { ToolCallEvents } from '../api/tool-call-events.js';
import { composeBridge } from '../compose/compose-bridge.js';
import { composeTasks } from '../compose/compose-tasks.js';
import { ResourceStack } from '../compose/resource-stack.js';
import type { CommandContext } from '../context.js';
import { openSqlFromConfig } from '../from-config/sql-from-config.js';
import type { RunningRole } from './running-role.js';

/**
 * The `mcp` role: the bridge over stdio, what Claude Desktop starts. Opens the SQL store, the
 * bridge, the agent runtime (agents__run, tasks__submit, runs__approve, … from the MCP client),
 * then serves the front on stdin/stdout; `ended` settles when the client ends stdin.
 */
export async function mcpRole(
  { config, file, logger }: CommandContext,
  options: { callTimeoutMs?: number } = {},
): Promise<Required<RunningRole>> {
  const stack = new ResourceStack({ logger });
  try {
    const sql = stack.use('the SQL store', await openSqlFromConfig(config, logger));
    const bridge = stack.use('the bridge', await composeBridge({ config, file, logger, sql }));
    // Every relayed tool call leaves an audit row, as over HTTP (source `stdio`, no key: the
    // caller is the local user who started the process).
    const audit = new AuditLog(sql, { redact: config.api.redact, logger });
    stack.defer('the audit log', () => audit.flush());
    const observeCall = observeMcpCalls(new ToolCallEvents(logger), audit, 'stdio');
    const work = stack.use('the agent runtime', composeTasks({ config, bridge, sql, logger, audit }));
    void work
      .start()
      .catch((error: unknown) => logger.error({ err: error }, 'the agent runtime could not start'));
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
          ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
        }),
      { logger },
    );
    stack.use('the stdio front', handle);
    return { ended: handle.closed, close: () => stack.close() };
  } catch (error) {
    await stack.close();
    throw error;
  }
}
