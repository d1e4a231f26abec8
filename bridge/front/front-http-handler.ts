import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMcpHttpEndpoint } from '#runtime/mcp';
import { silentLogger } from '#core';
import { createFrontServer, type FrontServerOptions } from './front-server.js';

export interface FrontHttpHandlerOptions extends FrontServerOptions {
  /**
   * Browser origins allowed besides the server's own (the Host a request was sent to). Requests
   * without an Origin header are always allowed. @defaultValue []
   */
  allowedOrigins?: readonly string[];
  /** When set, every request needs `Authorization: Bearer <token>`. @defaultValue none */
  bearerToken?: string;
  /** Largest POST body read here (ignored when the caller passes a parsed body). @defaultValue 4 MiB */
  maxBodyBytes?: number;
  /** A session with no request and no open stream for this long is ended. @defaultValue 30 minutes */
  sessionIdleTtlMs?: number;
  /**
   * Open sessions per API key (per client address on an open API); an initialize past it closes
   * that key's oldest idle session. @defaultValue unlimited
   */
  maxSessionsPerKey?: number;
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
 * one front instance per session, bound to the key that opened it (another key gets 404), Origin
 * and bearer checks, a body limit, a cap of sessions per key. Host checks against DNS rebinding
 * and the API's keys are the mounting server's (it knows its names and keys).
 */
export function createFrontHttpHandler(options: FrontHttpHandlerOptions): FrontHttpHandler {
  const endpoint = createMcpHttpEndpoint({
    factory: () => createFrontServer(options),
    logger: options.logger ?? silentLogger,
    origins: options.allowedOrigins ?? [],
    ...(options.maxSessionsPerKey !== undefined
      ? { maxSessionsPerPrincipal: options.maxSessionsPerKey }
      : {}),
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
