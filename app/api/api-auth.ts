import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiScope } from '#runtime/config';
import { anonymousCaller, type Caller, keyCaller } from '#bridge/access';
import { type ApiKey, bearerToken, findApiKey, subprotocolToken } from './api-keys.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import { refuse } from './request-guards.js';

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
    /**
     * Who makes the request, for the tools and records it reaches: the key's caller, or the
     * anonymous caller of an open API (every scope: it listens on loopback only). Null on a
     * public route of an API with keys.
     */
    caller: Caller | null;
  }
}

export type Authentication =
  | { key: ApiKey; token: string }
  | {
      refused: {
        status: 401 | 403 | 429;
        code: 'unauthorized' | 'forbidden' | 'rate_limited';
        message: string;
        retryAfterMs?: number;
      };
    };

/**
 * Checks a request's bearer key for `scope`, the same way on every route and on `/mcp`: a client
 * address that failed too often is refused first (429, its key unread), then an absent or wrong
 * key is 401 (and counts as a failure), and a key without the scope is 403.
 */
export function authenticate(
  keys: readonly ApiKey[],
  failures: AuthFailureLimiter,
  request: {
    headers: { authorization?: string | undefined; 'sec-websocket-protocol'?: string | undefined };
    address: string;
  },
  scope: ApiScope,
): Authentication {
  const wait = failures.retryAfterMs(request.address);
  if (wait > 0)
    return {
      refused: {
        status: 429,
        code: 'rate_limited',
        message: `too many failed authentications from this address; retry in ${Math.ceil(wait / 1000)} s`,
        retryAfterMs: wait,
      },
    };
  const token =
    bearerToken(request.headers.authorization) ?? subprotocolToken(request.headers['sec-websocket-protocol']);
  const key = token === undefined ? undefined : findApiKey(keys, token);
  if (!key) {
    failures.fail(request.address);
    return {
      refused: {
        status: 401,
        code: 'unauthorized',
        message:
          token === undefined
            ? 'an API key is required: Authorization: Bearer <key>'
            : 'the API key is not valid',
      },
    };
  }
  if (!key.scopes.has(scope))
    return {
      refused: {
        status: 403,
        code: 'forbidden',
        message: `API key '${key.name}' lacks the '${scope}' scope`,
      },
    };
  return { key, token: token! };
}

/**
 * Authenticates every request after the origin checks and before the body is read (onRequest):
 * see {@link authenticate}. With no keys configured the API is open (createApi allows that only
 * on loopback) and every request is the anonymous caller.
 */
export function registerAuth(
  app: FastifyInstance,
  keys: readonly ApiKey[],
  failures: AuthFailureLimiter,
): void {
  app.decorateRequest('apiKey', null);
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config.scope ?? 'read';
    if (keys.length === 0) {
      if (access !== 'public') request.caller = anonymousCaller(sourceOf(request));
      return;
    }
    if (access === 'public') return;
    const outcome = authenticate(keys, failures, { headers: request.headers, address: request.ip }, access);
    if ('refused' in outcome) return sendRefusal(request, reply, outcome.refused);
    request.apiKey = outcome.key;
    request.caller = keyCaller(outcome.key, sourceOf(request));
  });
}

/** Sends an authentication refusal with its headers, in the format the path speaks. */
export function sendRefusal(
  request: FastifyRequest,
  reply: FastifyReply,
  refused: Extract<Authentication, { refused: unknown }>['refused'],
): FastifyReply {
  if (refused.status === 401) reply.header('www-authenticate', 'Bearer realm="switchyard"');
  if (refused.retryAfterMs !== undefined)
    reply.header('retry-after', String(Math.max(1, Math.ceil(refused.retryAfterMs / 1000))));
  return refuse(request, reply, refused.code, refused.message);
}

function sourceOf(request: FastifyRequest): 'api' | 'ws' {
  return request.headers.upgrade?.toLowerCase() === 'websocket' ? 'ws' : 'api';
}
