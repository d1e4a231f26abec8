import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { httpStatusOf, type Logger, silentLogger, SwitchyardError } from '#core';
import { type SqlExecutor, isDataException } from '#stores/sql';
import type { Catalog } from '#bridge/catalog';
import type { Fleet } from '#bridge/fleet';
import { registerAuth } from './api-auth.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { assertSafeBinding, parseApiKeys } from './api-keys.js';
import { ApiMetrics } from './api-metrics.js';
import { type ApiOptions, resolveApiOptions } from './api-options.js';
import type { TaskService } from '#bridge/tasks';
import { AuditLog } from './audit-log.js';
import { registerAuditRoutes } from './audit-routes.js';
import { findConsoleAssets, registerConsoleRoutes } from './console-routes.js';
import { errorBody, sendError } from './error-replies.js';
import { EventHub } from './event-hub.js';
import { clientErrorHandler, codeOfFrameworkError, frameworkErrors } from './framework-errors.js';
import { internalMessage } from './internal-message.js';
import { EVENTS_PATH_DOC, registerEventsRoute } from './events-route.js';
import { registerFleetRoutes } from './fleet-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import { type McpHttpHandler, registerMcpMount } from './mcp-mount.js';
import { MCP_PATH, pathOf, refuse, registerRequestGuards } from './request-guards.js';
import { registerSessionRoute } from './session-route.js';
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
  /**
   * The Streamable HTTP MCP front, mounted at `/mcp` when given, behind the API's Host, Origin
   * and key checks (a key needs `call`), its rate limit and body limit.
   */
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
  /**
   * The web console's built files, served at `/console/` (and `/` redirects there); null to serve
   * none. @defaultValue console/dist of this checkout, when it was built (see console-routes.ts)
   */
  consoleAssets?: string | null;
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
 * and `options.host` is not loopback, or when a key is too easy to guess. Closing the instance
 * stops listening to the fleet and catalog and waits for audit rows under way.
 *
 * Every request passes, in order: the Host / Origin / content-type guards (request-guards.ts),
 * authentication with a per-address limit on failures (api-auth.ts), then the route's rate limit
 * (after authentication, so it counts per key). A 5xx answers a generic message with the request
 * id (also in `x-request-id`); the detail goes to the log only.
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

  const { limits } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // Slow clients: the whole request must arrive in requestTimeoutMs, its headers sooner, and a
    // connection silent both ways for idleTimeoutMs is closed.
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    // Node looks for requests past their timeouts this often (30 s by default, which would let a
    // stalled body hold its connection far past requestTimeoutMs).
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.requestTimeoutMs / 4))),
    },
    frameworkErrors,
    clientErrorHandler,
  });
  app.decorate('switchyard', { toolEvents, audit, metrics });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Route schemas document the API (OpenAPI); zod validates bodies in the handlers, and replies
  // are sent as they are (a response schema must not drop fields of a tool's result).
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A value the database cannot hold (a NUL in text, a number out of range) is the input's fault.
    // A Switchyard error a route let through keeps its code when that code is the caller's (4xx);
    // a server-side one is answered `internal`, its text (SQL, paths) kept for the log.
    const code = isDataException(error)
      ? 'validation_failed'
      : error instanceof SwitchyardError && httpStatusOf(error.code) < 500
        ? error.code
        : codeOfFrameworkError(error.statusCode);
    const status = httpStatusOf(code);
    // Security: a 5xx says nothing of how the server failed (SQL, paths, stack); the log has it.
    const message = status >= 500 ? internalMessage(request.id) : error.message;
    if (status >= 500)
      log.error({ err: error, url: request.url, requestId: request.id }, 'API request failed');
    if (pathOf(request) === MCP_PATH) return refuse(request, reply, code, message);
    return reply
      .code(status)
      .send(errorBody(code, message, status >= 500 ? { requestId: request.id } : undefined));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request);
    // /mcp answers every method; the ones it does not serve get MCP's 405, in JSON-RPC.
    if (path === MCP_PATH && deps.mcpHandler)
      return refuse(
        request,
        reply.header('allow', 'GET, POST, DELETE'),
        'method_not_allowed',
        'Method not allowed',
      );
    return sendError(reply, 'not_found', `no route ${request.method} ${path}`);
  });
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
  registerRequestGuards(app, options);
  const failures = new AuthFailureLimiter(limits.authFailures);
  registerAuth(app, keys, failures);
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
    ...(deps.tasks ? { queue: deps.tasks.queueHealth } : {}),
  });
  registerToolRoutes(app, {
    fleet: deps.fleet,
    catalog: deps.catalog,
    audit,
    toolEvents,
    callTimeoutMs: options.callTimeoutMs,
    log,
  });
  registerFleetRoutes(app, deps.fleet, log);
  registerSessionRoute(app, keys, failures);
  registerAuditRoutes(app, deps.sql);
  await registerConsoleRoutes(
    app,
    deps.consoleAssets === undefined ? findConsoleAssets() : (deps.consoleAssets ?? undefined),
  );
  if (deps.tasks) registerTaskRoutes(app, deps.tasks, { log, redact: options.redact });
  registerEventsRoute(app, hub, {
    log,
    limits,
    redact: options.redact,
    ...(deps.tasks ? { tasks: deps.tasks } : {}),
  });
  app.get('/openapi.json', { config: { scope: 'read' }, schema: { hide: true } }, async () => app.swagger());
  if (deps.mcpHandler)
    registerMcpMount(app, deps.mcpHandler, {
      keys,
      failures,
      log,
      bodyLimitBytes: options.bodyLimitBytes,
      rateLimit: limits.mcpRateLimit,
    });
  return app;
}
