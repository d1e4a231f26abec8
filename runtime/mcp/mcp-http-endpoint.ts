import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from '#core';
import type { ServedInstance, ServerFactory } from './created-server.js';
import { bearerAllowed, BodyTooLargeError, JsonRpcCode, readBody, sendJsonRpcError } from './http-guards.js';
import { HttpSessionTable } from './http-session-table.js';
import { createOriginCheck } from './request-origin.js';
import { serveWebTransport } from './serve-web-transport.js';

export interface McpHttpEndpointOptions {
  factory: ServerFactory<ServedInstance>;
  logger: Logger;
  /**
   * Browser origins allowed besides the server's own (the Host the request was sent to);
   * requests without an Origin header always are. @defaultValue []
   */
  origins?: readonly string[];
  /** When set, every request needs `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Largest POST body read here (a caller's parsed body is not measured again). */
  maxBodyBytes: number;
  /** A session with no request and no open stream for this long is ended. */
  idleTtlMs: number;
  /**
   * Open sessions per principal (the API key, or the client's address on an open server); an
   * initialize past it closes that principal's oldest idle session, or gets 429 when all are busy.
   * @defaultValue unlimited
   */
  maxSessionsPerPrincipal?: number;
}

/** One Streamable HTTP MCP endpoint, whatever path and server it is mounted on. */
export interface McpHttpEndpoint {
  /**
   * Serves one request (POST, GET, DELETE). `parsedBody` is the JSON body when the caller's
   * framework already read it (Fastify does); otherwise it is read here within the body limit.
   */
  handle(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void>;
  /** Live (initialized) sessions. */
  readonly sessionCount: number;
  /** Ends every session (each instance's cleanup runs); later requests get 503. Idempotent. */
  close(reason: string): Promise<void>;
}

/**
 * The Streamable HTTP protocol of an MCP endpoint, shared by `serveHttp` (a standalone server) and
 * the bridge's `/mcp` (mounted in the API): Origin and bearer checks, a body limit, one server
 * instance per session (created by an initialize without a session id), 404 for an unknown
 * session so the client starts a new one. Host checks are the listening server's (it knows its port).
 */
export function createMcpHttpEndpoint(options: McpHttpEndpointOptions): McpHttpEndpoint {
  const { logger, bearerToken, maxBodyBytes } = options;
  const originAllowed = createOriginCheck(options.origins ?? []);
  const maxSessions = options.maxSessionsPerPrincipal ?? Number.POSITIVE_INFINITY;
  if (!(maxSessions >= 1))
    throw new RangeError(`maxSessionsPerPrincipal must be at least 1, got ${maxSessions}`);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0)
    throw new RangeError(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  if (!(options.idleTtlMs > 0))
    throw new RangeError(`sessionIdleTtlMs must be positive, got ${options.idleTtlMs}`);
  if (bearerToken === '') throw new RangeError('bearerToken must not be empty; leave it unset for no auth');
  const sessions = new HttpSessionTable({ factory: options.factory, logger, idleTtlMs: options.idleTtlMs });
  let closing: Promise<void> | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void> {
    if (closing) return sendJsonRpcError(res, 503, JsonRpcCode.BadRequest, 'Service unavailable: closing');
    // Security: the Origin check comes first, so a hostile page learns nothing else.
    if (!originAllowed(req.headers.origin, req.headers.host)) {
      logger.warn({ origin: req.headers.origin }, 'mcp http request refused');
      return sendJsonRpcError(res, 403, JsonRpcCode.BadRequest, 'Forbidden: origin not allowed');
    }
    if (bearerToken !== undefined && !bearerAllowed(req, bearerToken)) {
      const header = req.headers.authorization ? 'Bearer error="invalid_token"' : 'Bearer';
      return sendJsonRpcError(
        res,
        401,
        JsonRpcCode.BadRequest,
        'Unauthorized: a valid bearer token is required',
        {
          'www-authenticate': header,
        },
      );
    }
    if (req.method === 'POST') return post(req, res, parsedBody);
    if (req.method === 'GET' || req.method === 'DELETE') return sessionRequest(req, res);
    return sendJsonRpcError(res, 405, JsonRpcCode.BadRequest, 'Method not allowed', {
      allow: 'GET, POST, DELETE',
    });
  }

  async function post(req: IncomingMessage, res: ServerResponse, parsedBody: unknown): Promise<void> {
    let body = parsedBody;
    if (body === undefined) {
      let text: string;
      try {
        text = await readBody(req, maxBodyBytes);
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        return sendJsonRpcError(res, 413, JsonRpcCode.InvalidRequest, `Payload too large: ${error.message}`, {
          connection: 'close',
        });
      }
      try {
        body = JSON.parse(text);
      } catch (error) {
        const detail = error instanceof SyntaxError ? error.message : String(error);
        return sendJsonRpcError(res, 400, JsonRpcCode.ParseError, `Parse error: ${detail}`);
      }
    }
    const sessionId = sessionHeader(req);
    if (sessionId !== undefined) {
      const session = ownSession(req, sessionId);
      if (!session) return sessionNotFound(res);
      sessions.track(session, res);
      return serveWebTransport(session.transport, req, res, body);
    }
    const initializes = Array.isArray(body) ? body.some(isInitializeRequest) : isInitializeRequest(body);
    if (!initializes) {
      return sendJsonRpcError(
        res,
        400,
        JsonRpcCode.BadRequest,
        'Bad Request: no mcp-session-id header; start a session with an initialize request',
      );
    }
    const principal = principalOf(req);
    // Past the cap, the principal's oldest idle session makes room; a client that keeps them all
    // busy is told to slow down rather than pushing another principal's sessions out.
    if (
      sessions.countIn(principal.group) >= maxSessions &&
      !(await sessions.endOldestIdle(principal.group, 'too many sessions for this principal'))
    ) {
      return sendJsonRpcError(
        res,
        429,
        JsonRpcCode.BadRequest,
        `Too many sessions: at most ${maxSessions} open sessions per key, and none is idle; end one (DELETE) first`,
      );
    }
    const session = await sessions.open(principal);
    sessions.track(session, res);
    await serveWebTransport(session.transport, req, res, body);
    // The transport refused the initialize (a bad protocol version, a batch): nothing to keep.
    if (session.id === undefined) await sessions.end(session, 'initialize refused');
  }

  async function sessionRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sessionId = sessionHeader(req);
    if (sessionId === undefined)
      return sendJsonRpcError(
        res,
        400,
        JsonRpcCode.BadRequest,
        'Bad Request: mcp-session-id header is required',
      );
    const session = ownSession(req, sessionId);
    if (!session) return sessionNotFound(res);
    sessions.track(session, res, req.method === 'GET' ? 'stream' : 'request');
    return serveWebTransport(session.transport, req, res);
  }

  /**
   * Security: a session belongs to the key that opened it. Another key presenting its id (seen in
   * a log, guessed) gets the same 404 as an unknown id, so it learns nothing about it either.
   */
  function ownSession(req: IncomingMessage, id: string): ReturnType<HttpSessionTable['get']> {
    const session = sessions.get(id);
    return session && session.owner === principalOf(req).owner ? session : undefined;
  }

  return {
    handle,
    get sessionCount() {
      return sessions.size;
    },
    close: (reason) => (closing ??= sessions.endAll(reason)),
  };
}

/**
 * Who makes a request: the API key's name when the mounting server authenticated it (the SDK's
 * `req.auth` convention, whose `clientId` is the key's name), else nobody in particular; the
 * client's address then stands for it in the per-principal session cap.
 */
function principalOf(req: IncomingMessage): { owner: string | undefined; group: string } {
  const owner = (req as IncomingMessage & { auth?: AuthInfo }).auth?.clientId;
  return owner !== undefined
    ? { owner, group: `key:${owner}` }
    : { owner: undefined, group: `ip:${req.socket.remoteAddress ?? 'unknown'}` };
}

function sessionHeader(req: IncomingMessage): string | undefined {
  const value = req.headers['mcp-session-id'];
  return Array.isArray(value) ? value[0] : value;
}

/** 404 is what the spec tells a client to answer by starting a new session. */
function sessionNotFound(res: ServerResponse): void {
  sendJsonRpcError(
    res,
    404,
    JsonRpcCode.SessionNotFound,
    'Session not found: start a new session with initialize',
  );
}
