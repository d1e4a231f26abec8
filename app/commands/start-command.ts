import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { createApi } from '../api/create-api.js';
import { parseApiKeys } from '../api/api-keys.js';
import { AuditLog } from '../api/audit-log.js';
import { mcpCallerOf } from '../api/mcp-mount.js';
import { observeMcpCalls } from '../api/observe-mcp-calls.js';
import { ToolCallEvents } from '../api/tool-call-events.js';
import { composeBridge } from '../compose/compose-bridge.js';
import { composeTasks } from '../compose/compose-tasks.js';
import { commandContext } from '../context.js';
import { nextSignal } from './next-signal.js';
import { createFrontHttpHandler, type FrontHttpHandler } from '#bridge/front';
import { openSqlFromConfig } from '../from-config/sql-from-config.js';

/**
 * `switchyard start`: the bridge as a service — the fleet and its catalog, the HTTP and WebSocket
 * API on `api.host:api.port`, and the MCP front over Streamable HTTP at `/mcp` on the same port.
 * The first log line with a `url` says where it listens. SIGTERM or SIGINT stops it: the listener,
 * the MCP sessions, the runs (left for the next start to resume), then the fleet (no upstream process outlives it), then the SQL store.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the bridge: every configured MCP server, the HTTP/WebSocket API and /mcp')
    .action(async (_options: unknown, command: Command) => {
      const { config, file, logger } = commandContext(command);
      const bridge = await composeBridge({ config, file, logger });
      // The API's audit rows need the SQL store even when no built-in server opened it.
      const ownSql = bridge.sql ? undefined : await openSqlFromConfig(config, logger);
      const sql = bridge.sql ?? ownSql!;
      let port = config.api.port;
      // One event stream and one audit log for both fronts: API calls and MCP calls alike.
      const toolEvents = new ToolCallEvents(logger);
      const audit = new AuditLog(sql, { redact: config.api.redact, logger });
      // Agent work: runs left unfinished by a process that died resume here from their last
      // snapshot once the tools they call are up; tasks arrive through the API and /mcp.
      const work = composeTasks({ config, bridge, sql, logger, audit });
      void work
        .start()
        .catch((error: unknown) => logger.error({ err: error }, 'the agent runtime could not start'));
      // The front is made once the API listens; requests that come before that wait for it.
      let front: FrontHttpHandler | undefined;
      let frontMade: (front: FrontHttpHandler) => void = () => undefined;
      const frontReady = new Promise<FrontHttpHandler>((resolve) => (frontMade = resolve));
      try {
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
        await app.listen({ host: config.api.host, port: config.api.port });
        port = (app.server.address() as AddressInfo).port;
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
        const signal = await nextSignal();
        logger.info({ signal }, 'stopping');
        await app.close();
      } finally {
        await work.close();
        await front?.close();
        await bridge.close();
        await ownSql?.close();
      }
    });
}
