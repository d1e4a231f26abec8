import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SqlExecutor } from '#stores/sql';
import { AuditQuerySchema, queryAudit } from './audit-query.js';
import { ERROR_BODY_SCHEMA, sendError } from './error-replies.js';

/**
 * `GET /v1/audit`: the audit log (every tool call, resource read and prompt through any front),
 * newest first, searched by key, tool and outcome. Arguments are as stored: redacted by the
 * `api.redact` patterns before they were written. Needs `admin`: the log tells who called what.
 */
export function registerAuditRoutes(app: FastifyInstance, sql: SqlExecutor): void {
  app.get(
    '/v1/audit',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'The audit log, newest first: by key, tool (a part of its name) and outcome',
        description:
          'At most `limit` rows (1..500, default 100); `before` (a row id) pages back. `key=anonymous` ' +
          'finds the calls of an open API.',
        tags: ['health'],
        querystring: z.toJSONSchema(AuditQuerySchema, { target: 'openapi-3.0', io: 'input' }),
        response: { 400: ERROR_BODY_SCHEMA, 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA },
      },
    },
    async (request, reply) => {
      const query = AuditQuerySchema.safeParse(request.query);
      if (!query.success)
        return sendError(
          reply,
          'validation_failed',
          `invalid query: ${z.prettifyError(query.error).replaceAll('\n', '; ')}`,
        );
      return { entries: await queryAudit(sql, query.data) };
    },
  );
}
