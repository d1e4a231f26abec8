import type { AddressInfo } from 'node:net';
import { createFrontHttpHandler, type FrontHttpHandler } from '#bridge/front';
import { parseApiKeys } from '../api/api-keys.js';
import { AuditLog } from '../api/audit-log.js';
import { createApi } from '../api/create-api.js';
import { mcpCallerOf } from '../api/mcp-mount.js';
import { observeMcpCalls } from '../api/observe-mcp-calls.js';
import { ToolCallEvents } from '../api/tool-call-events.js';
import { composeBridge } from '../compose/compose-bridge.js';
import { composeTasks } from '../compose/compose-tasks.js';
import { ResourceStack } from '../compose/resource-stack.js';
import type { CommandContext } from '../context.js';
import { openSqlFromConfig } from '../from-config/sql-from-config.js';
import type { RunningRole } from './running-role.js';

export interface RunningService extends RunningRole {
  /** Where the API listens (`http://host:port`). */
  url: string;
}

/**
 * The `start` role: the bridge as a service. Opens, in order, the SQL store (shared by the
 * built-in servers, the runs and the audit log), the bridge, the agent runtime, then the HTTP and
 * WebSocket API with the MCP front at `/mcp` on the same port; close() ends them in reverse order:
 * the listener and the MCP sessions first, the runs (left for the next start to resume), the fleet
 * (no upstream process outlives it), the SQL store last.
 */
export async function startRole({ config, file, logger }: CommandContext): Promise<RunningService> {
  const stack = new ResourceStack({ logger });
  try {
    const sql = stack.use('the SQL store', await openSqlFromConfig(config, logger));
    const bridge = stack.use('the bridge', await composeBridge({ config, file, logger, sql }));
    // One event stream and one audit log for both fronts: API calls and MCP calls alike.
    const toolEvents = new ToolCallEvents(logger);
    const audit = new AuditLog(sql, { redact: config.api.redact, logger });
    stack.defer('the audit log', () => audit.flush());
    // Agent work: runs left unfinished by a process that died resume here from their last
    // snapshot once the tools they call are up; tasks arrive through the API and /mcp.
    const work = stack.use('the agent runtime', composeTasks({ config, bridge, sql, logger, audit }));
    void work
      .start()
      .catch((error: unknown) => logger.error({ err: error }, 'the agent runtime could not start'));
    // The front is made once the API listens; requests that come before that wait for it.
    let front: FrontHttpHandler | undefined = undefined;
    let frontMade: (front: FrontHttpHandler) => void = () => undefined;
    const frontReady = new Promise<FrontHttpHandler>((resolve) => (frontMade = resolve));
    stack.defer('the MCP sessions', () => front?.close());
    const app = await createApi({
      catalog: bridge.catalog,
      fleet: bridge.fleet,
      sql,
      logger,
      options: config.api,
      toolEvents,
      audit,
      tasks: work.tasks,
      mcpHandler: { handle: async (req, res, body) => (await frontReady).handle(req, res, body) },
    });
    stack.use('the API', app);
    await app.listen({ host: config.api.host, port: config.api.port });
    const port = (app.server.address() as AddressInfo).port;
    front = createFrontHttpHandler({
      catalog: bridge.catalog,
      hub: bridge.hub,
      ready: bridge.ready,
      logger,
      observeCall: observeMcpCalls(toolEvents, audit),
      allowedOrigins: config.api.allowedOrigins,
      maxSessionsPerKey: config.api.limits.mcpSessionsPerKey,
      callerOf: mcpCallerOf(parseApiKeys(config.api.keys).length > 0),
    });
    frontMade(front);
    const host = config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host;
    const url = `http://${host}:${port}`;
    logger.info(
      { url, mcp: `${url}/mcp`, docs: `${url}/docs`, servers: bridge.servers().length },
      `listening on ${url}`,
    );
    return { url, close: () => stack.close() };
  } catch (error) {
    await stack.close();
    throw error;
  }
}
