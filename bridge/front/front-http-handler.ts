import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import {
  bearerAllowed,
  BodyTooLargeError,
  JsonRpcCode,
  normalizeOrigin,
  originAllowed,
  readBody,
  sendJsonRpcError,
} from '../../runtime/mcp/http-guards.js';
import { HttpSessionTable } from '../../runtime/mcp/http-session-table.js';
import { type Logger, silentLogger } from '../../runtime/logger.js';
import { createFrontServer, type FrontServerOptions } from './front-server.js';

export interface FrontHttpHandlerOptions extends FrontServerOptions {
  /**
   * Browser origins allowed (e.g. `http://127.0.0.1:8787`, the API's own origin). Requests
   * without an Origin header are always allowed. @defaultValue []
   */
  allowedOrigins?: string[];
  /** When set, every request needs `Authorization: Bearer <token>`. @defaultValue none */
  bearerToken?: string;
  /** Largest POST body read here (ignored when the caller passes a parsed body). @defaultValue 4 MiB */
  maxBodyBytes?: number;
  /** A session with no request and no open stream for this long is ended. @defaultValue 30 minutes */
  sessionIdleTtlMs?: number;
}

export interface FrontHttpHandler {
  /**
   * Serves one request to the MCP endpoint (POST, GET, DELETE), whatever path it was mounted at.
   * `parsedBody` is the JSON body when the caller's framework already read it (Fastify does).
   */
  handle(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void>;
  /** Live (initialized) sessions. */
  readonly sessionCount: number;
  /** Ends every session (each instance's cleanup runs). Idempotent. */
  close(): Promise<void>;
}

/**
 * The front over Streamable HTTP for a server someone else runs (the API mounts it at `/mcp`):
 * one front instance per session, Origin and bearer checks, a body limit, 404 for an unknown
 * session. Host checks against DNS rebinding are the mounting server's (it knows its port).
 */
export function createFrontHttpHandler(options: FrontHttpHandlerOptions): FrontHttpHandler {
  const logger: Logger = options.logger ?? silentLogger;
  const { bearerToken } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const idleTtlMs = options.sessionIdleTtlMs ?? 30 * 60_000;
  if (bearerToken === '') throw new RangeError('bearerToken must not be empty; leave it unset for no auth');
  if (!(idleTtlMs > 0)) throw new RangeError(`sessionIdleTtlMs must be positive, got ${idleTtlMs}`);
  const origins = new Set((options.allowedOrigins ?? []).map(normalizeOrigin));
  const sessions = new HttpSessionTable({ factory: () => createFrontServer(options), logger, idleTtlMs });

  let closing: Promise<void> | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void> {
    if (closing) return sendJsonRpcError(res, 503, JsonRpcCode.BadRequest, 'Service unavailable: closing');
    // Security: the Origin check comes first, so a hostile page learns nothing else.
    if (!originAllowed(req, origins)) {
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
      const session = sessions.get(sessionId);
      if (!session) return sessionNotFound(res);
      sessions.track(session, res);
      return session.transport.handleRequest(req, res, body);
    }
    const initializes = Array.isArray(body) ? body.some(isInitializeRequest) : isInitializeRequest(body);
    if (!initializes)
      return sendJsonRpcError(
        res,
        400,
        JsonRpcCode.BadRequest,
        'Bad Request: no mcp-session-id header; start a session with an initialize request',
      );
    const session = await sessions.open();
    sessions.track(session, res);
    await session.transport.handleRequest(req, res, body);
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
    const session = sessions.get(sessionId);
    if (!session) return sessionNotFound(res);
    sessions.track(session, res);
    return session.transport.handleRequest(req, res);
  }

  return {
    handle,
    get sessionCount() {
      return sessions.size;
    },
    close: () => (closing ??= sessions.endAll('front closing')),
  };
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
