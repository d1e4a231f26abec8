import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { ConnectionError, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, httpStatusOf, jsonRpcCodeOf } from '#core';
import { errorBody } from './error-replies.js';
import { refuse } from './request-guards.js';

/**
 * Errors Fastify meets before a request reaches a route (a malformed percent-encoding, a path
 * segment past `maxParamLength`), answered in the API's error body (JSON-RPC at `/mcp`), not in
 * Fastify's own shape, which also echoes the URL back.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    void refuse(request, reply, 'uri_too_long', 'a path segment is longer than 100 characters');
  else void refuse(request, reply, 'bad_request', 'the URL is not valid (malformed percent-encoding)');
}

/** The code of each status Fastify's own errors carry (a body too large, a body that is not JSON). */
const CODE_BY_FRAMEWORK_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/**
 * The error vocabulary's code for an error Fastify or a plugin raised with `statusCode` (their
 * own codes, FST_ERR_…, are not ours to answer): a status it names keeps its code, any other 4xx
 * is `bad_request` (the HTTP request could not be read), anything else a bug: `internal`.
 */
export function codeOfFrameworkError(statusCode: number | undefined): ErrorCode {
  if (statusCode === undefined || statusCode < 400 || statusCode >= 500) return 'internal';
  return CODE_BY_FRAMEWORK_STATUS[statusCode] ?? 'bad_request';
}

const CLIENT_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'request_timeout',
    message: 'the request did not arrive in time (api.limits.requestTimeoutMs)',
  },
  HPE_HEADER_OVERFLOW: {
    code: 'headers_too_large',
    message: 'the request headers are too large',
  },
};

/**
 * Errors Node's HTTP parser meets before there is a request at all (headers too large, a request
 * that did not arrive in time, bytes that are not HTTP): answered in the API's error body (JSON-RPC
 * for `/mcp`) with `Connection: close`, since the connection cannot carry another request after it.
 */
export function clientErrorHandler(error: ConnectionError, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''] ?? {
    code: 'bad_request',
    message: 'the request is not valid HTTP',
  };
  // The parser keeps what it read: when its request line names /mcp, the answer is JSON-RPC.
  // Node hands the bytes read as a Buffer (Fastify types it as their JSON form).
  const { rawPacket } = error as unknown as { rawPacket?: Buffer };
  const requestLine = rawPacket?.subarray(0, 2048).toString('latin1').split('\r\n', 1)[0] ?? '';
  const body = /^\S+ \/mcp(?:[?#]\S*)? /.test(requestLine)
    ? JSON.stringify({
        jsonrpc: '2.0',
        error: { code: jsonRpcCodeOf(known.code), message: known.message },
        id: null,
      })
    : JSON.stringify(errorBody(known.code, known.message));
  const status = httpStatusOf(known.code);
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
        // An answer to HEAD has headers only: a body would be read as the next response.
        (requestLine.startsWith('HEAD ') ? '' : body),
    );
  socket.destroy();
}
