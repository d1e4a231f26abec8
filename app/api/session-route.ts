import type { FastifyInstance } from 'fastify';
import { API_SCOPES } from '#runtime/config';
import { authenticate, sendRefusal } from './api-auth.js';
import type { ApiKey } from './api-keys.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import { ERROR_BODY_SCHEMA } from './error-replies.js';

/**
 * `GET /v1/session`: who the request's key is and what it may do, so a client (the console)
 * shows only what the key allows. On an open API (no keys, loopback only) it is `anonymous` with
 * every scope. A request without any key is told `{name: null, scopes: [], open: false}` (a key
 * is needed) and does not count as a failed authentication: the console asks so before it shows
 * its sign-in. A key presented is checked for `read` as on every route, failures counted.
 */
export function registerSessionRoute(
  app: FastifyInstance,
  keys: readonly ApiKey[],
  failures: AuthFailureLimiter,
): void {
  app.get(
    '/v1/session',
    {
      // Authenticated here, not by the hook: a request without a key is answered, not refused.
      config: { scope: 'public' },
      schema: {
        summary: 'The calling key: its name and scopes (open: true when the API has no keys)',
        tags: ['health'],
        response: { 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA },
      },
    },
    async (request, reply) => {
      if (keys.length === 0) return { name: 'anonymous', scopes: [...API_SCOPES], open: true };
      const presented =
        request.headers.authorization !== undefined ||
        request.headers['sec-websocket-protocol'] !== undefined;
      if (!presented) return { name: null, scopes: [], open: false };
      const outcome = authenticate(keys, failures, { headers: request.headers, address: request.ip }, 'read');
      if ('refused' in outcome) return sendRefusal(request, reply, outcome.refused);
      return {
        name: outcome.key.name,
        scopes: API_SCOPES.filter((scope) => outcome.key.scopes.has(scope)),
        open: false,
      };
    },
  );
}
