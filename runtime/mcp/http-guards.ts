import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The checks a Streamable HTTP request passes before it reaches an MCP transport, and the
 * JSON-RPC-shaped error responses they answer with. Pure functions of the request, so
 * serve-http.ts only decides their order.
 */

/** JSON-RPC error codes used on the HTTP edge (the SDK transport uses the same ones). */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  /** The SDK's "bad request" code: a missing session id, a method not allowed. */
  BadRequest: -32000,
  SessionNotFound: -32001,
} as const;

/** Writes a JSON-RPC error body with `id: null` (the request id is unknown at this layer). */
export function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(body);
}

/**
 * Checks `Authorization: Bearer <token>` in constant time, so the comparison's duration does not
 * reveal how much of a guessed token was right.
 */
export function bearerAllowed(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a body that grows past it while streaming is refused as soon as it does.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
