import type { FastifyReply } from 'fastify';
import { type ErrorCode, httpStatusOf, type SwitchyardError } from '#core';

/** Every error answer of the API has this body. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

/** Answers `code` with its status (httpStatusOf): a route names the failure, never the status. */
export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): FastifyReply {
  return reply.code(httpStatusOf(code)).send(errorBody(code, message, details));
}

/** Answers a Switchyard error with its own code, message and details (none when empty). */
export function sendSwitchyardError(reply: FastifyReply, error: SwitchyardError): FastifyReply {
  const details = Object.keys(error.details).length > 0 ? { ...error.details } : undefined;
  return sendError(reply, error.code, error.message, details);
}

/** The OpenAPI schema of ErrorBody, for route documentation. */
export const ERROR_BODY_SCHEMA = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
      required: ['code', 'message'],
    },
  },
} as const;
