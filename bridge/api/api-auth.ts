import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiScope } from '../../runtime/config/config-schema.js';
import { type ApiKey, bearerToken, findApiKey } from './api-keys.js';
import { sendError } from './error-replies.js';

/** What a route needs: a scope, or `public` for no check (/health, /mcp with its own auth). */
export type RouteAccess = ApiScope | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** @defaultValue 'read' (also for routes added by plugins, such as the docs, and for 404s) */
    scope?: RouteAccess;
  }
  interface FastifyRequest {
    /** The key that authenticated the request; null when the API is open or the route public. */
    apiKey: ApiKey | null;
  }
}

/**
 * Authenticates every request before anything else runs (onRequest): 401 without a key or with
 * a wrong one, 403 when the key lacks the route's scope. With no keys configured the API is open
 * (createApi allows that only on loopback).
 */
export function registerAuth(app: FastifyInstance, keys: readonly ApiKey[]): void {
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config.scope ?? 'read';
    if (access === 'public' || keys.length === 0) return;
    const token = bearerToken(request.headers.authorization);
    const key = token === undefined ? undefined : findApiKey(keys, token);
    if (!key) {
      reply.header('www-authenticate', 'Bearer realm="switchyard"');
      return sendError(
        reply,
        401,
        'unauthorized',
        token === undefined
          ? 'an API key is required: Authorization: Bearer <key>'
          : 'the API key is not valid',
      );
    }
    if (!key.scopes.has(access))
      return sendError(reply, 403, 'forbidden', `API key '${key.name}' lacks the '${access}' scope`);
    request.apiKey = key;
  });
}
