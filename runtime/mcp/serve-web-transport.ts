import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';

/** The one event the SDK's transport writes for a message (it sets no `id:` without an event store). */
const EVENT_PREFIX = 'event: message\ndata: ';
const EVENT_SUFFIX = '\n\n';
/** Headers of the SDK's SSE answer that do not belong on a JSON one. */
const SSE_ONLY_HEADERS = new Set(['content-type', 'cache-control', 'connection', 'x-accel-buffering']);

/**
 * Serves one Node request through the SDK's web-standard Streamable HTTP transport, and writes
 * its answer to `res`.
 *
 * The answer to a POST of one JSON-RPC request is written as `application/json` when the call
 * produced nothing but its response; as soon as anything else comes first (a progress
 * notification, a sampling or elicitation request relayed from an upstream, a keep-alive comment
 * after 15 s) it is the SSE stream the transport made, from that event on. The spec lets the
 * server choose either per POST, and the SDK's `enableJsonResponse` cannot: it is fixed per
 * transport and drops whatever a call sends before its response. JSON saves the client a stream
 * parser and both sides a chunked body; the SSE answer is unchanged otherwise.
 *
 * This replaces the SDK's Node wrapper (`StreamableHTTPServerTransport.handleRequest`), which
 * goes through `@hono/node-server` and holds every streamed answer back by a timer tick.
 */
export async function serveWebTransport(
  transport: WebStandardStreamableHTTPServerTransport,
  req: IncomingMessage,
  res: ServerResponse,
  parsedBody?: unknown,
): Promise<void> {
  // An authenticating guard in front may have put the caller on `req.auth` (the SDK's convention).
  const authInfo = (req as IncomingMessage & { auth?: AuthInfo }).auth;
  const response = await transport.handleRequest(webRequest(req), {
    parsedBody,
    ...(authInfo ? { authInfo } : {}),
  });
  const mayAnswerJson = req.method === 'POST' && isOneRequest(parsedBody);
  await writeResponse(response, res, mayAnswerJson);
}

/** The web Request the transport reads: method, URL and headers (a POST's body is passed parsed). */
function webRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  // Only the path and query matter to the transport; a missing or odd Host must not fail the URL.
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    url = new URL(req.url ?? '/', 'http://localhost');
  }
  return new Request(url, { method: req.method ?? 'GET', headers });
}

/** A single JSON-RPC request (not a batch, not a notification or response). */
function isOneRequest(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    'method' in body &&
    'id' in body &&
    (body as { id: unknown }).id !== undefined
  );
}

async function writeResponse(response: Response, res: ServerResponse, mayAnswerJson: boolean): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  if (!response.body) {
    res.writeHead(response.status, headers).end();
    return;
  }
  if (headers['content-type'] !== 'text/event-stream') {
    // A whole answer (an error the transport wrote as JSON): one write, with its length.
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, { ...headers, 'content-length': body.length }).end(body);
    return;
  }
  const reader = response.body.getReader();
  // The client went away: cancelling the stream lets the transport forget it (as the SDK's
  // wrapper does); a read waiting below then ends.
  const cancel = () => void reader.cancel().catch(() => undefined);
  res.once('close', cancel);
  try {
    if (!mayAnswerJson) {
      // A stream for its own sake (GET) or for a batch: the client sees the headers at once.
      res.writeHead(response.status, headers);
      res.flushHeaders();
      return await pipe(reader, res, []);
    }
    const first = await reader.read();
    if (first.done) {
      if (!res.destroyed) res.writeHead(response.status, headers).end();
      return;
    }
    const json = responseOf(first.value);
    if (json === undefined) {
      res.writeHead(response.status, headers);
      return await pipe(reader, res, [first.value]);
    }
    // The transport closes a request's stream right after its response: done, unless the
    // stream was cancelled (nobody reads this then) or something unexpected follows.
    const next = await reader.read();
    if (res.destroyed) return;
    if (!next.done) {
      res.writeHead(response.status, headers);
      return await pipe(reader, res, [first.value, next.value]);
    }
    const body = Buffer.from(json);
    const jsonHeaders: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(headers))
      if (!SSE_ONLY_HEADERS.has(name)) jsonHeaders[name] = value;
    jsonHeaders['content-type'] = 'application/json';
    jsonHeaders['content-length'] = body.length;
    res.writeHead(response.status, jsonHeaders).end(body);
  } finally {
    res.off('close', cancel);
  }
}

/**
 * The JSON text of a chunk that is exactly one SSE `message` event carrying a JSON-RPC response
 * (result or error); undefined for anything else (a notification, a request, a comment).
 */
function responseOf(chunk: Uint8Array): string | undefined {
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  if (!text.startsWith(EVENT_PREFIX) || !text.endsWith(EVENT_SUFFIX)) return undefined;
  const data = text.slice(EVENT_PREFIX.length, -EVENT_SUFFIX.length);
  // One event, one line: JSON.stringify never writes a raw newline.
  if (data.includes('\n')) return undefined;
  try {
    const message: unknown = JSON.parse(data);
    const isResponse =
      typeof message === 'object' &&
      message !== null &&
      !('method' in message) &&
      ('result' in message || 'error' in message);
    return isResponse ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes `chunks`, then every chunk of `reader`, to `res` (respecting back-pressure), then ends it. */
async function pipe(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  res: ServerResponse,
  chunks: Uint8Array[],
): Promise<void> {
  for (const chunk of chunks) if (!res.destroyed) res.write(chunk);
  for (;;) {
    if (res.destroyed) return;
    if (res.writableNeedDrain) await drained(res);
    const next = await reader.read();
    if (next.done) break;
    if (!res.destroyed) res.write(next.value);
  }
  if (!res.destroyed) res.end();
}

/** Resolves on `drain`, or on `close` (nothing will drain then). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
