// bench:bridge's load generator, in a process of its own (forked by http-fronts.ts), so that the
// client's CPU is never the server's: autocannon sends hand-written JSON-RPC `tools/call`
// requests of the echo tool over keep-alive connections, each connection bound to one of the
// given MCP sessions, and checks every answer (its id, its text, no error). It waits for
// `{ run: LoadRun }` messages on its IPC channel and answers each with `{ result: LoadResult }`
// or `{ error }`. Not a library: run it as a process.
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** One measurement, as http-fronts.ts asks for it. */
export interface LoadRun {
  /** The MCP endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
  url: string;
  /** Connection k uses session k mod sessions.length. */
  sessions: readonly string[];
  /** Headers every request carries besides the session's (the protocol version, a bearer key). */
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
  tool: string;
  text: string;
}

export interface LoadResult {
  /** Answers that were checked and right. */
  calls: number;
  seconds: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Wrong answers, error answers, non-2xx statuses and connection errors: any fails the bench. */
  failures: number;
  firstFailure?: string;
}

interface ConnectionContext {
  session?: string;
  id?: string;
  /** performance.now() when the request was made ready to send. */
  sentAt?: number;
}

async function measure(run: LoadRun): Promise<LoadResult> {
  const path = new URL(run.url).pathname;
  let nextSession = 0;
  let nextId = 0;
  let calls = 0;
  // Latencies measured here, in fractions of a ms: autocannon's histogram keeps whole ms only.
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const failed = (why: string) => {
    failures++;
    firstFailure ??= why;
  };
  const result = await autocannon({
    url: run.url,
    connections: run.connections,
    duration: run.durationSeconds,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        path,
        setupRequest: (request: autocannon.Request, context: ConnectionContext) => {
          // The context is the connection's: one session per connection, for its lifetime.
          context.session ??= run.sessions[nextSession++ % run.sessions.length]!;
          context.id = `c${++nextId}`;
          context.sentAt = performance.now();
          request.headers = {
            ...run.headers,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-session-id': context.session,
          };
          request.body = JSON.stringify({
            jsonrpc: '2.0',
            id: context.id,
            method: 'tools/call',
            params: { name: run.tool, arguments: { text: run.text } },
          });
          return request;
        },
        onResponse: (status: number, body: string, context: ConnectionContext) => {
          if (status !== 200) return failed(`HTTP ${status}: ${body.slice(0, 300)}`);
          const why = checkAnswer(body, context.id!, run.text);
          if (why !== undefined) return failed(why);
          calls++;
          latencies.push(performance.now() - context.sentAt!);
        },
      },
    ],
  } as autocannon.Options);
  if (result.errors > 0) failed(`${result.errors} connection errors or timeouts`);
  if (result.non2xx > 0 && failures === 0) failed(`${result.non2xx} non-2xx answers`);
  const seconds = result.duration;
  return {
    calls,
    seconds,
    callsPerSecond: calls / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    failures,
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}

/** The q-quantile (nearest rank) of `values`, in ms rounded to µs; 0 for none. */
function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = values.sort((a, b) => a - b);
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return Math.round(value * 1000) / 1000;
}

/** Undefined when `body` (JSON, or an SSE stream carrying the response) answers `id` with `text`. */
function checkAnswer(body: string, id: string, text: string): string | undefined {
  let message: { id?: unknown; result?: { isError?: boolean; content?: { text?: string }[] } };
  try {
    message = body.startsWith('{') ? JSON.parse(body) : responseInStream(body);
  } catch (error) {
    return `unreadable answer (${String(error)}): ${body.slice(0, 300)}`;
  }
  if (message.id !== id || message.result?.isError || message.result?.content?.[0]?.text !== text)
    return `wrong answer to ${id}: ${body.slice(0, 300)}`;
  return undefined;
}

/** The JSON-RPC response of an SSE answer: the `data:` of the event that is not a notification. */
function responseInStream(body: string): { id?: unknown } {
  for (const event of body.split('\n\n')) {
    const data = event
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice('data:'.length).trimStart())
      .join('\n');
    if (!data) continue;
    const message = JSON.parse(data) as { id?: unknown; method?: unknown };
    if (message.method === undefined) return message;
  }
  throw new Error('no response in the event stream');
}

process.on('message', (message: { run?: LoadRun }) => {
  if (!message.run) return;
  measure(message.run).then(
    (result) => process.send!({ result }),
    (error: unknown) => process.send!({ error: error instanceof Error ? error.message : String(error) }),
  );
});
// The parent disconnects when it is done (or dies): nothing is left to do then.
process.on('disconnect', () => process.exit(0));
