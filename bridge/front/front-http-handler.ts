import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeOrigin } from '../../runtime/mcp/http-guards.js';
import { createMcpHttpEndpoint } from '../../runtime/mcp/mcp-http-endpoint.js';
import { silentLogger } from '../../runtime/logger.js';
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
  const endpoint = createMcpHttpEndpoint({
    factory: () => createFrontServer(options),
    logger: options.logger ?? silentLogger,
    origins: new Set((options.allowedOrigins ?? []).map(normalizeOrigin)),
    bearerToken: options.bearerToken,
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    idleTtlMs: options.sessionIdleTtlMs ?? 30 * 60_000,
  });
  return {
    handle: (req, res, parsedBody) => endpoint.handle(req, res, parsedBody),
    get sessionCount() {
      return endpoint.sessionCount;
    },
    close: () => endpoint.close('front closing'),
  };
}
