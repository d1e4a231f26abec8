import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.js';
import type { ServedInstance, ServerFactory } from './created-server.js';
import {
  bearerAllowed,
  BodyTooLargeError,
  hostAllowed,
  JsonRpcCode,
  loopbackOrigins,
  normalizeOrigin,
  originAllowed,
  readBody,
  sendJsonRpcError,
} from './http-guards.js';
import { HttpSessionTable } from './http-session-table.js';

export interface ServeHttpOptions {
  logger: Logger;
  /** TCP port; 0 picks a free one (read it from the handle). @defaultValue 0 */
  port?: number;
  /** Interface to listen on. @defaultValue '127.0.0.1' (loopback only) */
  host?: string;
  /**
   * Browser origins allowed to call the server (e.g. `https://app.example.com`). Requests without
   * an Origin header, and the server's own loopback origins, are always allowed.
   * @defaultValue []
   */
  allowedOrigins?: string[];
  /** When set, every request needs `Authorization: Bearer <token>`. @defaultValue none */
  bearerToken?: string;
  /** Largest POST body accepted. @defaultValue 4 MiB */
  maxBodyBytes?: number;
  /** A session with no request and no open stream for this long is ended. @defaultValue 30 minutes */
  sessionIdleTtlMs?: number;
}

export interface HttpHandle {
  /** The MCP endpoint, e.g. `http://127.0.0.1:51234/mcp`. */
  readonly url: string;
  readonly port: number;
  /** Live (initialized) sessions. */
  readonly sessionCount: number;
  /** Ends every session (running each instance's cleanup) and stops the server. Idempotent. */
  close(): Promise<void>;
}

const MCP_PATH = '/mcp';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves MCP over Streamable HTTP at `/mcp`: POST carries JSON-RPC, GET opens the SSE stream for
 * server-initiated messages, DELETE ends a session. Each session has its own server instance from
 * `factory`, created by an initialize request without a session id.
 */
export async function serveHttp(
  factory: ServerFactory<ServedInstance>,
  options: ServeHttpOptions,
): Promise<HttpHandle> {
  const { logger, port = 0, host = '127.0.0.1', allowedOrigins = [], bearerToken } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const idleTtlMs = options.sessionIdleTtlMs ?? 30 * 60_000;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0)
    throw new RangeError(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  if (!(idleTtlMs > 0)) throw new RangeError(`sessionIdleTtlMs must be positive, got ${idleTtlMs}`);
  if (bearerToken === '') throw new RangeError('bearerToken must not be empty; leave it unset for no auth');

  const sessions = new HttpSessionTable({ factory, logger, idleTtlMs });
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, method: req.method }, 'mcp http request failed');
      if (!res.headersSent) sendJsonRpcError(res, 500, -32603, 'Internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const origins = new Set([...allowedOrigins.map(normalizeOrigin), ...loopbackOrigins(bound)]);
  const loopbackOnly = LOOPBACK_HOSTS.has(host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}${MCP_PATH}`;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== MCP_PATH)
      return sendJsonRpcError(res, 404, JsonRpcCode.BadRequest, `Not found: the MCP endpoint is ${MCP_PATH}`);
    // Security: the rebinding checks come first, so a hostile page learns nothing else.
    if (!hostAllowed(req, bound, loopbackOnly) || !originAllowed(req, origins)) {
      logger.warn({ origin: req.headers.origin, host: req.headers.host }, 'mcp http request refused');
      return sendJsonRpcError(res, 403, JsonRpcCode.BadRequest, 'Forbidden: origin or host not allowed');
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
    if (req.method === 'POST') return post(req, res);
    if (req.method === 'GET' || req.method === 'DELETE') return sessionRequest(req, res);
    return sendJsonRpcError(res, 405, JsonRpcCode.BadRequest, 'Method not allowed', {
      allow: 'GET, POST, DELETE',
    });
  }

  async function post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text: string;
    try {
      text = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return sendJsonRpcError(res, 413, JsonRpcCode.InvalidRequest, `Payload too large: ${error.message}`, {
        connection: 'close',
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      const detail = error instanceof SyntaxError ? error.message : String(error);
      return sendJsonRpcError(res, 400, JsonRpcCode.ParseError, `Parse error: ${detail}`);
    }
    const sessionId = sessionHeader(req);
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (!session) return sessionNotFound(res);
      sessions.track(session, res);
      return session.transport.handleRequest(req, res, body);
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
    const session = await sessions.open();
    sessions.track(session, res);
    await session.transport.handleRequest(req, res, body);
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
    const session = sessions.get(sessionId);
    if (!session) return sessionNotFound(res);
    sessions.track(session, res);
    return session.transport.handleRequest(req, res);
  }

  let closing: Promise<void> | undefined;
  logger.info({ url }, `listening on ${url}`);
  return {
    url,
    port: bound,
    get sessionCount() {
      return sessions.size;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        );
        await sessions.endAll('server closing');
        // Keep-alive sockets would hold server.close() open until they time out.
        server.closeAllConnections();
        await stopped;
        logger.info({ url }, 'mcp http server closed');
      })();
      return closing;
    },
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
