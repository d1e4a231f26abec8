import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHostCheck, createOriginCheck } from '#runtime/mcp';
import { type ErrorCode, jsonRpcCodeOf, httpStatusOf } from '#core';
import { sendError } from './error-replies.js';

export interface RequestGuardOptions {
  /** The address the API binds. */
  host: string;
  /** Host names allowed besides loopback and `host` (api.allowedHosts). */
  allowedHosts: readonly string[];
  /** Browser origins allowed besides the API's own (api.allowedOrigins). */
  allowedOrigins: readonly string[];
}

/** The MCP endpoint answers in JSON-RPC, not in the API's error bodies. */
export const MCP_PATH = '/mcp';

/** Methods that change something: a browser may send them cross-site only as forms, which are never JSON. */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Checks where every request comes from before anything else runs (the first onRequest hook, so
 * before authentication, the body and the route): REST, the WebSocket upgrade, `/mcp`, `/docs`,
 * `/metrics` alike.
 *
 * - Host must be one of the API's names (421 Misdirected Request): against DNS rebinding.
 * - Origin, when a browser sends one, must be the API's own or a configured one (403): a page on
 *   another site can neither read nor drive the API, WebSocket included (browsers always send
 *   Origin on an upgrade).
 * - A write must be `application/json` (415): the only bodies a cross-site form can send
 *   (`text/plain`, form encodings) never reach a handler, even from a client without Origin.
 *   `/mcp` is left to the MCP endpoint, which has the same rule in its own error format.
 */
export function registerRequestGuards(app: FastifyInstance, options: RequestGuardOptions): void {
  const hostAllowed = createHostCheck({ bound: options.host, allowedHosts: options.allowedHosts });
  const originAllowed = createOriginCheck(options.allowedOrigins);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const { host, origin } = request.headers;
    if (!hostAllowed(host))
      return refuse(
        request,
        reply,
        'misdirected_request',
        `Host '${host ?? ''}' is not a name of this server; list it in api.allowedHosts (SWITCHYARD_API_ALLOWED_HOSTS)`,
      );
    if (!originAllowed(origin, host))
      return refuse(
        request,
        reply,
        'origin_not_allowed',
        `Origin '${origin}' may not call this API; list it in api.allowedOrigins (SWITCHYARD_API_ALLOWED_ORIGINS)`,
      );
    // No route takes a NUL, and no database column can hold one: refused before it reaches either.
    if (request.url.includes('%00') || request.url.includes('\0'))
      return refuse(request, reply, 'bad_request', 'the URL holds a NUL character (%00)');
    if (
      WRITES.has(request.method) &&
      pathOf(request) !== MCP_PATH &&
      !isJson(request.headers['content-type'])
    )
      return refuse(
        request,
        reply,
        'unsupported_media_type',
        `${request.method} takes Content-Type: application/json (send {} when there is nothing to send)`,
      );
  });

  // An empty JSON body is `{}`: approve, cancel and call take optional bodies, and a client that
  // sends the content type with nothing after it means exactly that. Anything else goes to
  // Fastify's own parser, which refuses `__proto__` and `constructor.prototype` keys.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') return done(null, {});
    parseJson(request, body as string, done);
  });
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType.trim());
}

/** The request's path: its URL up to a query or a fragment (which a raw client may send). */
export function pathOf(request: FastifyRequest): string {
  return request.url.split(/[?#]/)[0]!;
}

/**
 * Answers the refusal in the format the path speaks: JSON-RPC at /mcp, the API's error body
 * elsewhere; both with the status and the JSON-RPC code the error vocabulary gives `code`.
 */
export function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
): FastifyReply {
  if (pathOf(request) === MCP_PATH)
    return reply
      .code(httpStatusOf(code))
      .header('content-type', 'application/json')
      .send({ jsonrpc: '2.0', error: { code: jsonRpcCodeOf(code), message }, id: null });
  return sendError(reply, code, message);
}
