// Hostile requests to `/mcp`, for its fuzzer (tests/integration/bridge/fuzz/mcp-http-fuzz.test.ts):
// the JSON-RPC payloads of hostile-json-rpc.ts as bodies, in the fuzzer's real session, a made-up
// one or none, with wrong methods, paths, content types, accept headers, protocol versions, keys,
// origins, hosts and sizes. Seeded through fast-check, so a run can be repeated.
import fc from 'fast-check';
import { BODY_LIMIT, FUZZ_KEY, type HttpExchange } from './fuzz-bridge.js';
import { duplicateRequests, hostilePayload, initializeRequest, some, weighted } from './hostile-json-rpc.js';

/** Which session header a request carries; `real` is filled in when it is sent. */
export type SessionChoice = 'none' | 'real' | 'random' | 'huge' | 'odd' | 'twice';

/** One hostile request to /mcp, before the session id and port are known. */
export interface McpPlan {
  /** The body's family (hostile-json-rpc.ts), or oversized, empty-body, no-body, initialize. */
  family: string;
  method: string;
  path: string;
  session: SessionChoice;
  /** Headers besides the session; `{port}` in origin and host is the server's port. */
  headers: Record<string, string>;
  body: Buffer | undefined;
  chunked: boolean;
}

/** Printable Latin-1 (what an HTTP header value may carry), possibly empty. */
const headerValue = fc
  .string({ unit: 'binary-ascii', maxLength: 60 })
  .map((value) => value.replace(/[^\x20-\x7e\x80-\xff]/g, ''));

const bodyArbitrary: fc.Arbitrary<{ family: string; body: Buffer | undefined }> = weighted<{
  family: string;
  body: Buffer | undefined;
}>(
  [84, hostilePayload.map((payload) => ({ family: payload.family, body: payload.bytes }))],
  [
    3,
    duplicateRequests.map((items) => ({
      family: 'duplicate-ids',
      body: Buffer.from(`[${items.join(',')}]`),
    })),
  ],
  [3, initializeRequest.map((text) => ({ family: 'initialize', body: Buffer.from(text) }))],
  [
    1,
    fc.integer({ min: 1, max: 4096 }).map((extra) => ({
      family: 'oversized',
      body: Buffer.from(
        `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"${'a'.repeat(BODY_LIMIT + extra)}"}}`,
      ),
    })),
  ],
  [3, some({ family: 'empty-body', body: Buffer.alloc(0) })],
  [3, some({ family: 'no-body', body: undefined })],
);

/** A hostile request to /mcp: a JSON-RPC payload as its body, with a chosen session and headers. */
export const mcpRequest: fc.Arbitrary<McpPlan> = fc
  .record({
    body: bodyArbitrary,
    method: weighted<string>(
      [80, some('POST')],
      [6, some('GET')],
      [4, some('DELETE')],
      [2, fc.constantFrom('PUT', 'PATCH', 'OPTIONS', 'HEAD')],
      [1, fc.constantFrom('FOO', 'PROPFIND', 'SEARCH', 'TRACE', 'PURGE')],
    ),
    path: weighted<string>(
      [92, some('/mcp')],
      [
        8,
        fc.constantFrom(
          '/mcp/',
          '/mcp?x=1',
          '/mcp?%zz',
          '/MCP',
          '/mcp/../mcp',
          '/mcp%00',
          '/mcp?sessionId=00000000-0000-0000-0000-000000000000',
          '/mcp#frag',
          '//mcp',
        ),
      ],
    ),
    session: weighted<SessionChoice>(
      [35, some('none')],
      [50, some('real')],
      [5, some('random')],
      [3, some('huge')],
      [5, some('odd')],
      [2, some('twice')],
    ),
    contentType: weighted<string | undefined>(
      [80, some('application/json')],
      [5, some(undefined)],
      [
        10,
        fc.constantFrom(
          'text/plain',
          'application/json; charset=utf-8',
          'APPLICATION/JSON',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json-rpc',
          'application/json, text/plain',
          'application/json; charset=latin1',
        ),
      ],
      [3, headerValue],
    ),
    accept: weighted<string | undefined>(
      [80, some('application/json, text/event-stream')],
      [5, some(undefined)],
      [10, fc.constantFrom('application/json', 'text/event-stream', '*/*', 'text/html', 'application/*')],
      [3, headerValue],
    ),
    protocolVersion: weighted<string | undefined>(
      [60, some(undefined)],
      [30, some('2025-06-18')],
      [10, fc.oneof(fc.constantFrom('1999-01-01', '2025-13-45', ''), headerValue)],
    ),
    authorization: weighted<string | undefined>(
      [92, some(`Bearer ${FUZZ_KEY}`)],
      [3, some(undefined)],
      [2, headerValue.map((value) => `Bearer ${value}`)],
      [
        1,
        fc.constantFrom(
          `bearer ${FUZZ_KEY}`,
          `Bearer  ${FUZZ_KEY} `,
          `Basic ${Buffer.from(`fuzz:${FUZZ_KEY}`).toString('base64')}`,
        ),
      ],
      [1, fc.integer({ min: 4000, max: 12_000 }).map((length) => `Bearer ${'k'.repeat(length)}`)],
    ),
    origin: weighted<string | undefined>(
      [95, some(undefined)],
      [
        5,
        fc.constantFrom(
          'http://evil.example',
          'http://127.0.0.1:{port}',
          'null',
          'http://localhost:{port}.evil.example',
        ),
      ],
    ),
    host: weighted<string | undefined>(
      [97, some(undefined)],
      [
        3,
        fc.constantFrom(
          'evil.example',
          'localhost:{port}',
          '127.0.0.1',
          '[::1]:{port}',
          'evil.example:{port}',
        ),
      ],
    ),
    // One in ten bodies goes chunked (no content-length).
    chunked: fc.integer({ min: 0, max: 9 }).map((draw) => draw === 0),
    extra: fc.option(
      fc.tuple(fc.constantFrom('x-fuzz', 'cookie', 'x-forwarded-for', 'transfer-encoding-x'), headerValue),
    ),
  })
  .map((draw) => {
    const headers: Record<string, string> = {};
    if (draw.contentType !== undefined) headers['content-type'] = draw.contentType;
    if (draw.accept !== undefined) headers.accept = draw.accept;
    if (draw.protocolVersion !== undefined) headers['mcp-protocol-version'] = draw.protocolVersion;
    if (draw.authorization !== undefined) headers.authorization = draw.authorization;
    if (draw.origin !== undefined) headers.origin = draw.origin;
    if (draw.host !== undefined) headers.host = draw.host;
    if (draw.extra) headers[draw.extra[0]] = draw.extra[1];
    return {
      family: draw.body.family,
      method: draw.method,
      path: draw.path,
      session: draw.session,
      headers,
      body: draw.body.body,
      chunked: draw.chunked,
    };
  });

/** The made-up session ids a request may carry instead of the real one. */
export const sessionValues = fc.record({
  random: fc.uuid(),
  huge: fc.integer({ min: 4000, max: 12_000 }).map((length) => 's'.repeat(length)),
  odd: headerValue.map((value) => value || ' '),
});

/** The request as sent: the session header chosen, `{port}` filled in. */
export function toExchange(
  plan: McpPlan,
  values: { random: string; huge: string; odd: string },
  port: number,
  realSession: string,
): HttpExchange {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(plan.headers))
    headers[name] = value.replaceAll('{port}', String(port));
  const session =
    plan.session === 'real'
      ? realSession
      : plan.session === 'random' || plan.session === 'huge' || plan.session === 'odd'
        ? values[plan.session]
        : plan.session === 'twice'
          ? [realSession, values.random]
          : undefined;
  if (session !== undefined) headers['mcp-session-id'] = session;
  return {
    method: plan.method,
    path: plan.path,
    headers,
    ...(plan.body === undefined ? {} : { body: plan.body }),
    chunked: plan.chunked,
  };
}
