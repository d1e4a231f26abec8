import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '#core';
import type { Fleet } from '#bridge/fleet';
import { ERROR_BODY_SCHEMA, sendError } from './error-replies.js';

const nameParam = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const who = (request: FastifyRequest) => request.caller?.name ?? 'anonymous';

/**
 * `POST /v1/servers/{name}/restart` and `POST /v1/servers/{name}/stop`: an operator's hands on
 * an upstream (admin). Stop takes it out of service (its tools answer unavailable) until a
 * restart; restart stops it and starts it again, whatever its state. Both answer the server as
 * `GET /v1/servers` lists it, once the action is done.
 */
export function registerFleetRoutes(app: FastifyInstance, fleet: Fleet, log: Logger): void {
  for (const action of ['restart', 'stop'] as const)
    app.post<{ Params: { name: string } }>(
      `/v1/servers/:name/${action}`,
      {
        config: { scope: 'admin' },
        schema: {
          summary: action === 'restart' ? 'Restart an upstream server' : 'Stop an upstream server',
          tags: ['catalog'],
          params: nameParam,
          response: { 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA },
        },
      },
      async (request, reply) => {
        const upstream = fleet.get(request.params.name);
        if (!upstream) return sendError(reply, 'not_found', `no server '${request.params.name}'`);
        const reason = `${action === 'restart' ? 'restarted' : 'stopped'} by ${who(request)}`;
        log.info({ server: upstream.name, action, key: request.apiKey?.name }, 'server action');
        if (action === 'restart') await upstream.restart(reason);
        else await upstream.stop(reason);
        return { server: upstream.info() };
      },
    );
}
