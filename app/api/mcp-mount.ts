import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '#core';
import type { ApiScope } from '#runtime/config';
import { anonymousCaller, type Caller, keyCaller } from '#bridge/access';
import { authenticate, sendRefusal } from './api-auth.js';
import type { ApiKey } from './api-keys.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import { MCP_PATH } from './request-guards.js';

/** The Streamable HTTP MCP front (bridge/front/), as the API mounts it. */
export interface McpHttpHandler {
  handle(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void>;
}

export interface McpMountOptions {
  keys: readonly ApiKey[];
  failures: AuthFailureLimiter;
  log: Logger;
  /** Largest POST body; larger gets 413 before it is read. */
  bodyLimitBytes: number;
  /** Requests per key (per IP on an open API) in each window. */
  rateLimit: { max: number; timeWindowMs: number };
}

/**
 * Mounts the MCP front at `/mcp` (POST, GET, DELETE) with the API's access rules, which the front
 * does not know. The Host and Origin checks ran already (request-guards.ts, for every route).
 * With keys configured, a request needs one with the `call` scope (an MCP client calls tools),
 * checked in onRequest: before the body is read, so an unauthenticated client cannot make the
 * server buffer a megabyte. The key goes to the front the SDK's way (`req.auth`, which the
 * transport hands to handlers as `extra.authInfo`), so calls carry their caller, sessions are
 * bound to their key, and audit rows name it.
 *
 * Refusals answer in JSON-RPC, as MCP clients expect. Fastify parses the JSON body (within the
 * body limit) and passes it along; the reply is hijacked and the front writes the raw response
 * (including SSE streams).
 */
export function registerMcpMount(
  app: FastifyInstance,
  handler: McpHttpHandler,
  options: McpMountOptions,
): void {
  const { keys, failures, log } = options;
  app.route({
    method: ['POST', 'GET', 'DELETE'],
    url: MCP_PATH,
    bodyLimit: options.bodyLimitBytes,
    // `public` to the API's own auth hook: the key is checked below, with the `call` scope.
    config: {
      scope: 'public',
      rateLimit: { max: options.rateLimit.max, timeWindow: options.rateLimit.timeWindowMs },
    },
    schema: { hide: true },
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
      if (keys.length === 0) return;
      const outcome = authenticate(keys, failures, { headers: request.headers, address: request.ip }, 'call');
      if ('refused' in outcome) return sendRefusal(request, reply, outcome.refused);
      request.apiKey = outcome.key;
      request.caller = keyCaller(outcome.key, 'mcp');
      (request.raw as IncomingMessage & { auth?: AuthInfo }).auth = {
        token: outcome.token,
        clientId: outcome.key.name,
        scopes: [...outcome.key.scopes],
      };
    },
    handler: async (request, reply) => {
      reply.hijack();
      try {
        await handler.handle(request.raw, reply.raw, request.body);
      } catch (error) {
        log.error({ err: error, requestId: request.id }, 'the MCP front failed on a request');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' });
          reply.raw.end(
            JSON.stringify({
              jsonrpc: '2.0',
              error: { code: -32603, message: `internal error (request id ${request.id})` },
              id: null,
            }),
          );
        } else if (!reply.raw.writableEnded) reply.raw.end();
      }
    },
  });
}

/**
 * The front's `callerOf` for requests through this mount: the key it authenticated (handed over as
 * `authInfo`), or, on an open API (no keys, loopback only), the anonymous caller with every scope.
 * With keys configured a request without authInfo never reaches the front; should one, it gets no
 * caller, and every tool that needs a scope refuses it (fail closed).
 */
export function mcpCallerOf(keyed: boolean): (authInfo: AuthInfo | undefined) => Caller | undefined {
  return (authInfo) => {
    if (!keyed) return anonymousCaller('mcp');
    if (!authInfo?.clientId) return undefined;
    return keyCaller({ name: authInfo.clientId, scopes: new Set(authInfo.scopes as ApiScope[]) }, 'mcp');
  };
}
