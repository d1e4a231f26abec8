import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';

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
  const response = await transport.handleRequest(webRequest(req, parsedBody), {
    parsedBody,
    ...(authInfo ? { authInfo } : {}),
  });
  const mayAnswerJson = req.method === 'POST' && isOneRequest(parsedBody);
  const owed = req.method === 'POST' ? requestIds(parsedBody) : [];
  await writeResponse(response, res, mayAnswerJson, owed);
}

/** A request's answer when its session ended first (DELETE, idle expiry, server close). */
function sessionEnded(id: RequestId): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    error: { code: -32001, message: 'Session ended before the request was answered; start a new session' },
  });
}

type RequestId = string | number;

/** The ids of the requests (not notifications or responses) in a POST body, single or batch. */
function requestIds(body: unknown): RequestId[] {
  const messages = Array.isArray(body) ? body : [body];
  const ids: RequestId[] = [];
  for (const message of messages)
    if (typeof message === 'object' && message !== null && 'method' in message && 'id' in message) {
      const id = (message as { id: unknown }).id;
      if (typeof id === 'string' || typeof id === 'number') ids.push(id);
    }
  return ids;
}

/**
 * The web Request the transport reads: method, URL and headers (a POST's body is passed parsed).
 * With the body parsed, the transport reads nothing else of it, so it gets just those three: a
 * `new Request` (its AbortSignal, body stream and transferable setup) cost more CPU per call than
 * the rest of this adapter (bench:bridge profile, `--cpu-prof`).
 */
function webRequest(req: IncomingMessage, parsedBody: unknown): Request {
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
  const method = req.method ?? 'GET';
  if (method === 'POST' && parsedBody === undefined) return new Request(url, { method, headers });
  return { method, url: url.href, headers } as Request;
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

/**
 * Writes the transport's answer. `owed` are the ids of the requests the POST carried: each must
 * get a response, and when the transport ends the stream without one (its session was ended
 * meanwhile), one saying so is written here rather than leaving the client waiting on nothing.
 */
async function writeResponse(
  response: Response,
  res: ServerResponse,
  mayAnswerJson: boolean,
  owed: readonly RequestId[],
): Promise<void> {
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
      return await pipe(reader, res, [], owed);
    }
    const first = await reader.read();
    if (first.done) {
      if (res.destroyed) return;
      const body = Buffer.from(sessionEnded(owed[0]!));
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
      return;
    }
    const json = responseOf(first.value);
    if (json === undefined) {
      res.writeHead(response.status, headers);
      return await pipe(reader, res, [first.value], owed);
    }
    // The transport closes a request's stream right after its response: done, unless the
    // stream was cancelled (nobody reads this then) or something unexpected follows.
    const next = await reader.read();
    if (res.destroyed) return;
    if (!next.done) {
      res.writeHead(response.status, headers);
      return await pipe(reader, res, [first.value, next.value], owed);
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

/**
 * Writes `chunks`, then every chunk of `reader`, to `res` (respecting back-pressure), then ends it,
 * after an error event for each of the `owed` requests the stream did not answer.
 */
async function pipe(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  res: ServerResponse,
  chunks: Uint8Array[],
  owed: readonly RequestId[],
): Promise<void> {
  const unanswered = new Set(owed);
  const write = (chunk: Uint8Array) => {
    if (unanswered.size > 0) for (const id of answeredIn(chunk)) unanswered.delete(id);
    if (!res.destroyed) res.write(chunk);
  };
  for (const chunk of chunks) write(chunk);
  for (;;) {
    if (res.destroyed) return;
    if (res.writableNeedDrain) await drained(res);
    const next = await reader.read();
    if (next.done) break;
    write(next.value);
  }
  if (res.destroyed) return;
  for (const id of unanswered) res.write(`${EVENT_PREFIX}${sessionEnded(id)}${EVENT_SUFFIX}`);
  res.end();
}

/** The ids of the responses in the SSE events of a chunk. */
function answeredIn(chunk: Uint8Array): RequestId[] {
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  const ids: RequestId[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    try {
      const message = JSON.parse(line.slice('data: '.length)) as unknown;
      for (const item of Array.isArray(message) ? message : [message])
        if (typeof item === 'object' && item !== null && !('method' in item) && 'id' in item) {
          const id = (item as { id: unknown }).id;
          if (typeof id === 'string' || typeof id === 'number') ids.push(id);
        }
    } catch {
      // Not JSON (a comment, a split event): it answers nothing.
    }
  }
  return ids;
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
