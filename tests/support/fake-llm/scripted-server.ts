import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The part of the fake provider servers that does not depend on the wire format: a real
 * `node:http` server on 127.0.0.1, port 0, that answers one route from a script of replies
 * (or a handler), records every request it receives, and can delay, fail or garble a reply.
 * fake-openai.ts and fake-anthropic.ts put each provider's bodies in it.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON, or the raw text when it is not JSON. */
  body: unknown;
  /** Date.now() when the request arrived. */
  receivedAt: number;
}

/** One reply. Exactly one of `json`, `raw` or `sse` is the body. */
export type FakeReply = {
  /** @defaultValue 200 */
  status?: number;
  headers?: Record<string, string>;
  /** Wait this long before answering (a slow server, for timeouts); cancelled if the client goes away. */
  delayMs?: number;
  /** For `sse`: wait this long between events (a stream still running when the client aborts). */
  eventDelayMs?: number;
} & (
  | { json: unknown }
  /** Sent as is, with `contentType` (default application/json): for malformed bodies. */
  | { raw: string; contentType?: string }
  /** Server-sent events, each `{event?, data}`; `data` that is not a string is sent as JSON. */
  | { sse: Array<{ event?: string; data: unknown }> }
);

/** A function of the request that makes a reply (to echo the model, or decide on the messages). */
export type ScriptedTurn = (request: RecordedRequest) => FakeReply;

/** A reply, or a function of the request that makes one. */
export type FakeTurn = FakeReply | ScriptedTurn;

export interface ScriptedServerOptions {
  /** The one route the provider serves, e.g. `POST /v1/chat/completions`. */
  method: string;
  path: string;
  /** Replies in order, one per request. More can be added with `enqueue`. */
  script?: FakeTurn[];
  /** Used when the script is empty; without it an unscripted request gets `unscripted`'s reply. */
  handler?: (request: RecordedRequest) => FakeReply;
  /** The reply to a request with no scripted turn left (a 500 in the provider's error shape). */
  unscripted: (request: RecordedRequest) => FakeReply;
  /** The reply to any other route (a 404 in the provider's error shape). */
  notFound: (request: RecordedRequest) => FakeReply;
  /**
   * Turns a successful JSON reply into the provider's server-sent events, used when the request
   * asked for `stream: true`: one script serves `chat()` and `stream()` alike.
   */
  toStream: (json: unknown) => Array<{ event?: string; data: unknown }>;
}

export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request received, in order, including ones to unknown routes. */
  readonly requests: RecordedRequest[];
  /** Appends turns to the script. */
  enqueue(...turns: FakeTurn[]): void;
  /** Scripted turns not used yet. */
  remaining(): number;
  /** Stops the server, dropping open connections (a delayed reply never comes). */
  close(): Promise<void>;
}

export async function startScriptedServer(options: ScriptedServerOptions): Promise<ScriptedServer> {
  const script = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    readBody(req)
      .then((text) => {
        const request: RecordedRequest = {
          method: req.method ?? 'GET',
          path: (req.url ?? '/').split('?')[0]!,
          headers: req.headers,
          body: parseJson(text),
          receivedAt: Date.now(),
        };
        requests.push(request);
        const reply = chooseReply(request);
        if (!reply.delayMs) return send(res, reply);
        const timer = setTimeout(() => {
          timers.delete(timer);
          send(res, reply);
        }, reply.delayMs);
        timers.add(timer);
        res.on('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
      })
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`fake server failed: ${String(error)}`);
      });
  });

  function chooseReply(request: RecordedRequest): FakeReply {
    if (request.method !== options.method || request.path !== options.path) return options.notFound(request);
    const turn = script.shift();
    const reply =
      turn !== undefined
        ? typeof turn === 'function'
          ? turn(request)
          : turn
        : options.handler
          ? options.handler(request)
          : options.unscripted(request);
    const wantsStream = (request.body as { stream?: unknown } | undefined)?.stream === true;
    if (!wantsStream || !('json' in reply) || (reply.status ?? 200) !== 200) return reply;
    const { json, ...rest } = reply;
    return { ...rest, sse: options.toStream(json) };
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...turns) => void script.push(...turns),
    remaining: () => script.length,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function send(res: ServerResponse, reply: FakeReply): void {
  if (res.destroyed) return;
  const status = reply.status ?? 200;
  if ('sse' in reply) {
    res.writeHead(status, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...reply.headers,
    });
    const events = [...reply.sse];
    const writeNext = (): void => {
      if (res.destroyed) return;
      const event = events.shift();
      if (event === undefined) return void res.end();
      const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
      res.write(`${event.event ? `event: ${event.event}\n` : ''}data: ${data}\n\n`);
      if (reply.eventDelayMs) setTimeout(writeNext, reply.eventDelayMs).unref();
      else writeNext();
    };
    writeNext();
    return;
  }
  const [contentType, body] =
    'json' in reply
      ? ['application/json', JSON.stringify(reply.json)]
      : [reply.contentType ?? 'application/json', reply.raw];
  res.writeHead(status, { 'content-type': contentType, ...reply.headers }).end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
