import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, ConfigError } from '#core';
import type { ServedInstance, ServerFactory } from './created-server.js';
import { assertStrongSecret } from '../config/secret-strength.js';
import { JsonRpcCode, sendJsonRpcError } from './http-guards.js';
import { createMcpHttpEndpoint } from './mcp-http-endpoint.js';
import { createHostCheck, isLoopback } from './request-origin.js';

export interface ServeHttpOptions {
  logger: Logger;
  /** TCP port; 0 picks a free one (read it from the handle). @defaultValue 0 */
  port?: number;
  /**
   * Interface to listen on. Anything but a loopback address (127.0.0.0/8, ::1, `localhost`)
   * needs `bearerToken`: otherwise anyone who reaches the port runs the server's tools.
   * @defaultValue '127.0.0.1' (loopback only)
   */
  host?: string;
  /** Host names clients may use besides the loopback names and `host` (see createHostCheck). @defaultValue [] */
  allowedHosts?: string[];
  /**
   * Browser origins allowed to call the server (e.g. `https://app.example.com`). Requests without
   * an Origin header, and the server's own loopback origins, are always allowed.
   * @defaultValue []
   */
  allowedOrigins?: string[];
  /** When set, every request needs `Authorization: Bearer <token>`; a guessable one is refused. @defaultValue none */
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
  // Security: the same binding rule as the API's. No token, loopback only.
  if (bearerToken === undefined && !(isLoopback(host) || host.toLowerCase() === 'localhost'))
    throw new ConfigError(
      `an MCP server without a token would listen on ${host}: pass --token <token> (for example ` +
        '`openssl rand -hex 24`), or listen on 127.0.0.1 or ::1',
      { host },
    );
  if (bearerToken !== undefined && bearerToken !== '')
    assertStrongSecret('the bearer token (--token)', bearerToken);
  const hostAllowed = createHostCheck({ bound: host, allowedHosts: options.allowedHosts ?? [] });
  // Validates the options before anything listens.
  const endpoint = createMcpHttpEndpoint({
    factory,
    logger,
    origins: allowedOrigins,
    bearerToken,
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    idleTtlMs: options.sessionIdleTtlMs ?? 30 * 60_000,
  });
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
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}${MCP_PATH}`;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== MCP_PATH)
      return sendJsonRpcError(res, 404, JsonRpcCode.BadRequest, `Not found: the MCP endpoint is ${MCP_PATH}`);
    // Security (DNS rebinding): the Host check comes first, so a hostile page learns nothing else.
    if (!hostAllowed(req.headers.host)) {
      logger.warn({ host: req.headers.host }, 'mcp http request refused');
      return sendJsonRpcError(
        res,
        421,
        JsonRpcCode.BadRequest,
        'Misdirected request: Host is not this server',
      );
    }
    return endpoint.handle(req, res);
  }

  let closing: Promise<void> | undefined;
  logger.info({ url }, `listening on ${url}`);
  return {
    url,
    port: bound,
    get sessionCount() {
      return endpoint.sessionCount;
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        );
        await endpoint.close('server closing');
        // Keep-alive sockets would hold server.close() open until they time out.
        server.closeAllConnections();
        await stopped;
        logger.info({ url }, 'mcp http server closed');
      })();
      return closing;
    },
  };
}
