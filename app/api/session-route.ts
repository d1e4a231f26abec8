import type { FastifyInstance } from 'fastify';
import { API_SCOPES } from '#runtime/config';
import { ERROR_BODY_SCHEMA } from './error-replies.js';

/**
 * `GET /v1/session`: who the request's key is and what it may do, so a client (the console)
 * shows only what the key allows. On an open API (no keys, loopback only) it is `anonymous` with
 * every scope. Needs `read`, like everything the console shows.
 */
export function registerSessionRoute(app: FastifyInstance): void {
  app.get(
    '/v1/session',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The calling key: its name and scopes (open: true when the API has no keys)',
        tags: ['health'],
        response: { 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA },
      },
    },
    async (request) => {
      const scopes = request.caller?.scopes ?? new Set();
      return {
        name: request.caller?.name ?? 'anonymous',
        scopes: API_SCOPES.filter((scope) => scopes.has(scope)),
        open: request.apiKey === null,
      };
    },
  );
}
