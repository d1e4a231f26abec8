import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { type Logger, silentLogger } from '../../runtime/logger.js';
import type { SqlExecutor } from '../../stores/sql/sql.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Fleet } from '../fleet/fleet.js';
import { registerAuth } from './api-auth.js';
import { assertSafeBinding, parseApiKeys } from './api-keys.js';
import { ApiMetrics } from './api-metrics.js';
import { type ApiOptions, resolveApiOptions } from './api-options.js';
import type { TaskService } from '../tasks/task-service.js';
import { AuditLog } from './audit-log.js';
import { errorBody, sendError } from './error-replies.js';
import { EventHub } from './event-hub.js';
import { EVENTS_PATH_DOC, registerEventsRoute } from './events-route.js';
import { registerHealthRoutes } from './health-routes.js';
import { type McpHttpHandler, registerMcpMount } from './mcp-mount.js';
import { registerTaskRoutes } from './task-routes.js';
import { ToolCallEvents } from './tool-call-events.js';
import { registerToolRoutes } from './tool-routes.js';

export interface ApiDeps {
  catalog: Catalog;
  fleet: Fleet;
  /** The SQL store: `/ready` asks it `SELECT 1`; audit rows go to its `audit_tool_calls` (migration 4). */
  sql: SqlExecutor;
  /** @defaultValue silentLogger */
  logger?: Logger;
  options?: ApiOptions;
  /** The Streamable HTTP MCP front, mounted at `/mcp` when given. */
  mcpHandler?: McpHttpHandler;
  /**
   * Tool-call events of every front: the API reports its own calls here, and the metrics and the
   * `tools` topic listen here. Pass one in to let another front (MCP) feed it. @defaultValue a new one
   */
  toolEvents?: ToolCallEvents;
  /** The audit writer, to share it with another front. @defaultValue one over `sql` with options.redact */
  audit?: AuditLog;
  /**
   * Agent work: with it, the task, run, approval and agent routes and the `runs` / `approvals`
   * event topics are served. @defaultValue none (those routes answer 404, those topics an error frame)
   */
  tasks?: TaskService;
}

/** What createApi adds to the Fastify instance, for the composition root and tests. */
export interface ApiParts {
  toolEvents: ToolCallEvents;
  audit: AuditLog;
  metrics: ApiMetrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    switchyard: ApiParts;
  }
}

/**
 * Builds the bridge's HTTP + WebSocket API as a Fastify instance, not listening (the caller calls
 * `listen({ host: options.host, port })`). Rejects with ConfigError when no keys are configured
 * and `options.host` is not loopback. Closing the instance stops listening to the fleet and
 * catalog and waits for audit rows under way.
 */
export async function createApi(deps: ApiDeps): Promise<FastifyInstance> {
  const options = resolveApiOptions(deps.options ?? {});
  const log = (deps.logger ?? silentLogger).child({ component: 'api' });
  const keys = parseApiKeys(options.keys);
  assertSafeBinding(options.host, keys);

  const toolEvents = deps.toolEvents ?? new ToolCallEvents(log);
  const audit = deps.audit ?? new AuditLog(deps.sql, { redact: options.redact, logger: log });
  const metrics = new ApiMetrics(deps.fleet);
  const stopMetrics = toolEvents.onCall((event) => metrics.observe(event));
  const hub = new EventHub({
    fleet: deps.fleet,
    catalog: deps.catalog,
    toolEvents,
    ...(deps.tasks ? { tasks: deps.tasks } : {}),
  });

  const app = Fastify({ logger: false, bodyLimit: options.bodyLimitBytes });
  app.decorate('switchyard', { toolEvents, audit, metrics });
  // Route schemas document the API (OpenAPI); zod validates bodies in the handlers, and replies
  // are sent as they are (a response schema must not drop fields of a tool's result).
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) log.error({ err: error, url: request.url }, 'API request failed');
    return reply
      .code(status)
      .send(errorBody(status === 429 ? 'rate_limited' : (error.code ?? 'internal'), error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
  app.addHook('onResponse', async (request, reply) => {
    log.debug(
      {
        method: request.method,
        url: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        key: request.apiKey?.name,
      },
      'API request',
    );
  });
  app.addHook('onClose', async () => {
    hub.close();
    stopMetrics();
    await audit.flush();
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Switchyard bridge API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transformObject: (documentObject) => {
      const document =
        'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
      return { ...document, paths: { ...document.paths, '/v1/events': EVENTS_PATH_DOC } } as typeof document;
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  registerAuth(app, keys);
  await app.register(fastifyRateLimit, {
    global: true,
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.timeWindowMs,
    // After authentication (onRequest), so the limit is per key name; per IP when the API is open.
    hook: 'preHandler',
    keyGenerator: (request) => (request.apiKey ? `key:${request.apiKey.name}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      Object.assign(
        new Error(
          `rate limit exceeded: at most ${context.max} requests per window; retry in ${context.after}`,
        ),
        {
          statusCode: context.statusCode,
        },
      ),
  });

  registerHealthRoutes(app, {
    fleet: deps.fleet,
    sql: deps.sql,
    metrics,
    readyTimeoutMs: options.readyTimeoutMs,
  });
  registerToolRoutes(app, {
    fleet: deps.fleet,
    catalog: deps.catalog,
    audit,
    toolEvents,
    callTimeoutMs: options.callTimeoutMs,
  });
  if (deps.tasks) registerTaskRoutes(app, deps.tasks, log);
  registerEventsRoute(app, hub, log);
  app.get('/openapi.json', { config: { scope: 'read' }, schema: { hide: true } }, async () => app.swagger());
  if (deps.mcpHandler) registerMcpMount(app, deps.mcpHandler, log);
  return app;
}
