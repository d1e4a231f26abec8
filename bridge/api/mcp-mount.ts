import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../runtime/logger.js';

/** The Streamable HTTP MCP front (bridge/front/), as the API mounts it. */
export interface McpHttpHandler {
  handle(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void>;
}

/**
 * Mounts the MCP front at `/mcp` (POST, GET, DELETE). The route is `public` to the API's own
 * auth and exempt from its rate limit: the front checks its bearer token and the Origin header
 * itself, and MCP clients speak its protocol, not the API's error bodies. Fastify has parsed a
 * JSON body by then (within the API's body limit), so it is passed along; the reply is hijacked
 * and the front writes the raw response (including SSE streams).
 */
export function registerMcpMount(app: FastifyInstance, handler: McpHttpHandler, log: Logger): void {
  app.route({
    method: ['POST', 'GET', 'DELETE'],
    url: '/mcp',
    config: { scope: 'public', rateLimit: false },
    schema: { hide: true },
    handler: async (request, reply) => {
      reply.hijack();
      try {
        await handler.handle(request.raw, reply.raw, request.body);
      } catch (error) {
        log.error({ err: error }, 'the MCP front failed on a request');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' });
          reply.raw.end(
            JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null }),
          );
        } else if (!reply.raw.writableEnded) reply.raw.end();
      }
    },
  });
}
