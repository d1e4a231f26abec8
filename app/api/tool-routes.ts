import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type Catalog, firstText } from '#bridge/catalog';
import type { Fleet } from '#bridge/fleet';
import type { AuditLog, CallOutcome } from './audit-log.js';
import { describeCallFailure } from './call-errors.js';
import { ERROR_BODY_SCHEMA, sendError } from './error-replies.js';
import type { ToolCallEvents } from './tool-call-events.js';
import type { Logger } from '#core';
import { internalMessage } from './internal-message.js';

export interface ToolRouteDeps {
  fleet: Fleet;
  catalog: Catalog;
  audit: AuditLog;
  toolEvents: ToolCallEvents;
  callTimeoutMs: number | undefined;
  log: Logger;
}

export const CallBodySchema = z.object({
  arguments: z.record(z.string(), z.unknown()).optional(),
});

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ERROR_BODY_SCHEMA]));

/** `GET /v1/servers`, `GET /v1/tools` and `POST /v1/tools/{name}/call`. */
export function registerToolRoutes(app: FastifyInstance, deps: ToolRouteDeps): void {
  const { fleet, catalog, audit, toolEvents } = deps;

  app.get(
    '/v1/servers',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The upstream MCP servers and their states',
        tags: ['catalog'],
        response: errors(401, 403),
      },
    },
    async () => ({ servers: fleet.list() }),
  );

  app.get(
    '/v1/tools',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Every tool of the catalog, with its availability',
        tags: ['catalog'],
        response: errors(401, 403),
      },
    },
    async () => ({
      tools: catalog.listTools().map((tool) => ({
        name: tool.name,
        server: tool.server,
        description: tool.definition.description,
        inputSchema: tool.definition.inputSchema,
        annotations: tool.definition.annotations,
        available: tool.available,
        state: tool.state,
      })),
    }),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/tools/:name/call',
    {
      config: { scope: 'call' },
      schema: {
        summary: 'Call a tool',
        description:
          'Answers {result: CallToolResult}, with 200 also when result.isError (the tool answered with a failure).',
        tags: ['catalog'],
        params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        body: z.toJSONSchema(CallBodySchema, { target: 'openapi-3.0' }),
        response: {
          200: { type: 'object', properties: { result: { type: 'object', additionalProperties: true } } },
          ...errors(400, 401, 403, 404, 413, 429, 502, 503, 504),
        },
      },
    },
    async (request, reply) => {
      // An empty body is `{}` (request-guards.ts): no arguments. A JSON `null` is a malformed body.
      const parsed = CallBodySchema.safeParse(request.body);
      if (!parsed.success)
        return sendError(
          reply,
          'validation_failed',
          `expected a JSON object {"arguments"?: object}: ${z.prettifyError(parsed.error)}`,
        );
      const name = request.params.name;
      const args = parsed.data.arguments ?? {};
      const server = catalog.findTool(name)?.server ?? null;
      const id = randomUUID();
      const startedAt = new Date();
      const start = performance.now();
      toolEvents.report({ phase: 'started', id, source: 'api', tool: name, server, at: startedAt.getTime() });

      // A client that goes away cancels the call: `close` before the answer was written.
      const controller = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
      };
      reply.raw.on('close', onClose);
      let outcome: CallOutcome = 'error';
      let message: string | undefined;
      let errorKind: string | undefined;
      try {
        const result: CallToolResult = await catalog.callTool(name, args, {
          signal: controller.signal,
          // The key's identity and scopes go down to the tool: runs__approve needs `admin`.
          ...(request.caller ? { caller: request.caller } : {}),
          ...(deps.callTimeoutMs === undefined ? {} : { timeoutMs: deps.callTimeoutMs }),
        });
        outcome = result.isError ? 'tool_error' : 'ok';
        if (result.isError) message = firstText(result);
        return await reply.send({ result });
      } catch (error) {
        const failure = describeCallFailure(error, controller.signal.aborted);
        if (failure.code === 'internal') {
          // A bug of ours: the detail goes to the log, the client gets the request id to quote.
          deps.log.error({ err: error, tool: name, requestId: request.id }, 'tool call failed');
          failure.message = internalMessage(request.id);
          failure.details = { requestId: request.id };
        }
        message = failure.message;
        errorKind = failure.code;
        if (failure.retryAfter !== undefined) reply.header('retry-after', String(failure.retryAfter));
        return await sendError(reply, failure.code, failure.message, failure.details);
      } finally {
        reply.raw.off('close', onClose);
        const durationMs = performance.now() - start;
        toolEvents.report({
          phase: 'finished',
          id,
          source: 'api',
          tool: name,
          server,
          at: Date.now(),
          durationMs,
          outcome,
          ...(errorKind === undefined ? {} : { errorKind }),
          ...(message === undefined ? {} : { error: message }),
        });
        audit.record({
          source: 'api',
          keyName: request.apiKey?.name ?? null,
          tool: name,
          server,
          startedAt,
          durationMs,
          outcome,
          error: message,
          arguments: args,
        });
      }
    },
  );
}
