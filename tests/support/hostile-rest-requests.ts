// Hostile requests to the REST routes of the bridge's API, for the REST fuzzer
// (tests/integration/bridge/fuzz/rest-fuzz.test.ts): the routes' own templates with hostile path
// parameters (NUL, traversal, broken percent-encoding, 20 KB), query strings, methods, headers
// and bodies, and paths that do not exist. Seeded through fast-check, so a run can be repeated.
import fc from 'fast-check';
import { BODY_LIMIT, FUZZ_KEY } from './fuzz-bridge.js';
import { HARMLESS_TOOLS, hostilePayload, hostileString, some, weighted } from './hostile-json-rpc.js';

export interface RestPlan {
  /** The route template (or `unknown`), which names failure groups. */
  route: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  chunked: boolean;
}

/** Percent-encodes, with lone surrogates (which encodeURIComponent refuses) as their raw UTF-8 form. */
function encode(value: string): string {
  return [...value]
    .map((char) =>
      char.length === 1 && /[\uD800-\uDFFF]/.test(char) ? '%ED%A0%80' : encodeURIComponent(char),
    )
    .join('');
}

/** A path parameter: an encoded hostile string, a broken encoding, traversal, a long one or a uuid. */
const param: fc.Arbitrary<string> = weighted(
  [5, hostileString.map(encode)],
  [
    3,
    fc.constantFrom(
      '%',
      '%zz',
      '%C0%AF',
      '%00',
      'a%00b',
      '%FF',
      '%E0%80',
      '%F0%9F%98',
      '%ED%A0%80',
      '..',
      '.',
      '..%2F..%2F..%2Fetc%2Fpasswd',
      '%2e%2e%2f%2e%2e%2f',
      '..%5C..%5Cwindows',
      '%2F',
      ';',
      '~',
      '*',
      'a%20b',
      '%u0041',
      '%%',
      '%25',
      '+',
      '%0d%0aSet-Cookie:%20x=1',
    ),
  ],
  [1, fc.integer({ min: 1000, max: 20_000 }).map((length) => 'p'.repeat(length))],
  [2, fc.uuid()],
);

const queryValue: fc.Arbitrary<string> = weighted(
  [
    3,
    fc.constantFrom(
      '1',
      '0',
      '-1',
      '1e3',
      '1.5',
      'NaN',
      'Infinity',
      '99999999999999999999',
      '0x10',
      '%201',
      '',
      '1000',
      '1001',
      '10000',
    ),
  ],
  [
    2,
    fc.constantFrom(
      'pending',
      'approved',
      'completed,failed',
      'completed,,',
      ',',
      'running,nope',
      'awaiting_approval',
    ),
  ],
  [3, hostileString.map(encode)],
  [2, fc.constantFrom('%', '%zz', '%00', '%C0%AF', 'a=b', '&', '#', '%26', '[]', '{}')],
);

const queryKey: fc.Arbitrary<string> = weighted(
  [6, fc.constantFrom('limit', 'state', 'runId', 'agent', 'afterSeq')],
  [
    2,
    fc.constantFrom(
      'x',
      '__proto__',
      'constructor',
      'limit[]',
      'state[0]',
      'LIMIT',
      '%00',
      'a%5Bb%5D',
      'limit%00',
      '',
    ),
  ],
  [1, hostileString.map(encode)],
);

const query: fc.Arbitrary<string> = weighted(
  [4, some('')],
  [
    6,
    fc
      .array(
        weighted<string>(
          [8, fc.tuple(queryKey, queryValue).map(([key, value]) => `${key}=${value}`)],
          [1, queryKey],
          [1, some('=')],
        ),
        { minLength: 1, maxLength: 5 },
      )
      .chain((pairs) => fc.constantFrom('&', ';', '&&').map((separator) => `?${pairs.join(separator)}`)),
  ],
);

const anyJson = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
const text = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Bodies shaped for the routes, with hostile values in their fields. */
const callBody = weighted<Buffer>(
  [4, fc.record({ arguments: fc.dictionary(hostileString, anyJson, { maxKeys: 4 }) }).map(text)],
  [2, anyJson.map((args) => text({ arguments: args }))],
  [1, hostileString.map((query) => text({ arguments: { query, names: [query], runId: query } }))],
  [
    1,
    fc
      .constantFrom('{}', '{"arguments":null}', '{"extra":1}', '{"arguments":{}, "x":[]}')
      .map((body) => Buffer.from(body)),
  ],
);
const taskBody = fc
  .record({
    agent: weighted<unknown>(
      [3, fc.constantFrom('no-such-agent', 'bizdev', 'BIZDEV', 'a'.repeat(65), '')],
      [2, hostileString],
      [1, anyJson],
    ),
    input: anyJson,
    priority: weighted<unknown>([1, fc.integer()], [1, anyJson]),
    idempotencyKey: weighted<unknown>([2, hostileString], [1, anyJson]),
    timeoutMs: weighted<unknown>([1, fc.integer()], [1, fc.constantFrom(1e300, -1, 0.5, 2 ** 53)]),
    attempts: weighted<unknown>([1, fc.integer({ min: -5, max: 200 })], [1, anyJson]),
    backoff: anyJson,
    delayMs: weighted<unknown>([1, fc.integer({ min: -1, max: 10 ** 12 })], [1, anyJson]),
    parentRunId: hostileString,
    requestedBy: hostileString,
    extra: anyJson,
  })
  .chain((fields) =>
    fc
      .subarray(Object.keys(fields).filter((key) => key !== 'agent' && key !== 'input'))
      // A valid agent name makes a run the inline queue works on: a few attempts, no more.
      .map((keys) => text({ agent: fields.agent, input: fields.input, ...pick(fields, keys), attempts: 1 })),
  );
const decisionBody = weighted<Buffer>(
  [3, hostileString.map((reason) => text({ reason }))],
  [1, anyJson.map((reason) => text({ reason }))],
  [
    1,
    fc
      .constantFrom('{}', '{"reason":""}', `{"reason":"${'r'.repeat(2001)}"}`, '{"verdict":"approve"}')
      .map((body) => Buffer.from(body)),
  ],
);

/** Any body at all: JSON-RPC garbage, deep, large, non-UTF-8, or over the limit. */
const anyBody = weighted<Buffer>(
  [8, hostilePayload.map((payload) => payload.bytes)],
  [
    2,
    fc
      .constantFrom(
        'null',
        '[]',
        '"x"',
        '0',
        'true',
        '{"__proto__":{"polluted":true}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        '',
      )
      .map((body) => Buffer.from(body)),
  ],
  [
    1,
    fc
      .integer({ min: 1, max: 4096 })
      .map((extra) => Buffer.from(`{"arguments":{"x":"${'a'.repeat(BODY_LIMIT + extra)}"}}`)),
  ],
);

type Template = { route: string; method: string; path: fc.Arbitrary<string>; body?: fc.Arbitrary<Buffer> };

const templates: fc.Arbitrary<Template> = weighted<Template>(
  [
    16,
    weighted<string>([3, fc.constantFrom(...HARMLESS_TOOLS, 'agents__run', 'runs__approve')], [5, param]).map(
      (name) => ({
        route: 'POST /v1/tools/:name/call',
        method: 'POST',
        path: fc.constant(`/v1/tools/${name}/call`),
        body: callBody,
      }),
    ),
  ],
  [
    4,
    some({
      route: 'GET /v1/tools',
      method: 'GET',
      path: fc.constantFrom('/v1/tools', '/v1/servers').chain((path) => query.map((q) => path + q)),
    }),
  ],
  [
    10,
    some({
      route: 'POST /v1/tasks',
      method: 'POST',
      path: query.map((q) => `/v1/tasks${q}`),
      body: taskBody,
    }),
  ],
  [
    10,
    some({
      route: 'GET /v1/tasks/:id',
      method: 'GET',
      path: fc.tuple(param, query).map(([id, q]) => `/v1/tasks/${id}${q}`),
    }),
  ],
  [
    5,
    some({
      route: 'DELETE /v1/tasks/:id',
      method: 'DELETE',
      path: param.map((id) => `/v1/tasks/${id}`),
      body: decisionBody,
    }),
  ],
  [
    4,
    some({
      route: 'POST /v1/tasks/:id/retry',
      method: 'POST',
      path: param.map((id) => `/v1/tasks/${id}/retry`),
    }),
  ],
  [4, some({ route: 'GET /v1/tasks/failed', method: 'GET', path: query.map((q) => `/v1/tasks/failed${q}`) })],
  [
    10,
    some({
      route: 'POST /v1/runs/:id/approve',
      method: 'POST',
      path: fc
        .tuple(param, fc.constantFrom('approve', 'reject'))
        .map(([id, verdict]) => `/v1/runs/${id}/${verdict}`),
      body: decisionBody,
    }),
  ],
  [10, some({ route: 'GET /v1/approvals', method: 'GET', path: query.map((q) => `/v1/approvals${q}`) })],
  [10, some({ route: 'GET /v1/runs', method: 'GET', path: query.map((q) => `/v1/runs${q}`) })],
  [2, some({ route: 'GET /v1/agents', method: 'GET', path: query.map((q) => `/v1/agents${q}`) })],
  [
    2,
    some({
      route: 'GET /health',
      method: 'GET',
      path: fc.constantFrom('/health', '/ready', '/openapi.json').chain((path) => query.map((q) => path + q)),
    }),
  ],
  [
    8,
    some({
      route: 'unknown',
      method: 'GET',
      path: weighted<string>(
        [
          3,
          fc.constantFrom(
            '/',
            '/v1',
            '/v1/',
            '/v2/tools',
            '/v1//tools',
            '/v1/tools/',
            '/v1/tools/x/call/extra',
            '/%2e%2e/%2e%2e/etc/passwd',
            '/v1/../health',
            '/v1/tasks/../../etc/passwd',
            '/.env',
            '/v1/tools/..%2f..%2fetc%2fpasswd/call',
            '/v1/events',
            '/v1/tasks/failed/x',
            '/health/',
            '/HEALTH',
            '/v1/tools%00',
            '/metrics/../v1/tools',
            '*',
          ),
        ],
        [1, param.map((segment) => `/${segment}`)],
        [1, fc.tuple(param, param).map(([a, b]) => `/v1/${a}/${b}`)],
      ),
    }),
  ],
);

/** One hostile request to the REST API: a route template with hostile parameters, headers and body. */
export const restRequest: fc.Arbitrary<RestPlan> = fc
  .record({
    template: templates,
    otherMethod: weighted<string | undefined>(
      [88, some(undefined)],
      [10, fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS')],
      [2, fc.constantFrom('PROPFIND', 'SEARCH', 'PURGE', 'FOO', 'TRACE', 'LINK')],
    ),
    otherBody: weighted<'template' | 'any' | 'none'>(
      [80, some('template')],
      [15, some('any')],
      [5, some('none')],
    ),
    contentType: weighted<string | undefined>(
      [80, some('application/json')],
      [5, some(undefined)],
      [
        10,
        fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
          'APPLICATION/JSON',
          'application/json, text/plain',
          'application/vnd.api+json',
          'application/octet-stream',
        ),
      ],
    ),
    authorization: weighted<string | undefined>(
      [90, some(`Bearer ${FUZZ_KEY}`)],
      [3, some(undefined)],
      [
        3,
        fc.constantFrom(
          'Bearer nope-nope-nope-nope',
          `Bearer ${FUZZ_KEY}x`,
          'Bearer ',
          `Basic ${Buffer.from(`fuzz:${FUZZ_KEY}`).toString('base64')}`,
          `bearer ${FUZZ_KEY}`,
        ),
      ],
      [1, fc.integer({ min: 4000, max: 20_000 }).map((length) => `Bearer ${'k'.repeat(length)}`)],
    ),
    extra: weighted<Record<string, string>>(
      [90, some({})],
      [
        3,
        fc.constantFrom(
          { origin: 'http://evil.example' },
          { origin: 'null' },
          { origin: 'http://127.0.0.1:{port}' },
        ),
      ],
      [3, fc.constantFrom({ host: 'evil.example' }, { host: 'localhost:{port}' }, { host: '127.0.0.1' })],
      [2, fc.integer({ min: 17_000, max: 40_000 }).map((length) => ({ 'x-big': 'h'.repeat(length) }))],
      [
        2,
        fc.constantFrom<Record<string, string>>(
          { 'x-http-method-override': 'DELETE' },
          { accept: 'text/html' },
          { 'accept-encoding': 'gzip, br' },
          { expect: '100-continue' },
          { range: 'bytes=0-1' },
        ),
      ],
    ),
    chunked: fc.integer({ min: 0, max: 9 }).map((draw) => draw === 0),
  })
  .chain((draw) =>
    draw.template.path.chain((path) =>
      (draw.otherBody === 'any'
        ? anyBody
        : draw.otherBody === 'none' || !draw.template.body
          ? fc.constant(undefined)
          : draw.template.body
      ).map((body): RestPlan => {
        const headers: Record<string, string> = { ...draw.extra };
        if (draw.authorization !== undefined) headers.authorization = draw.authorization;
        if (body !== undefined && draw.contentType !== undefined) headers['content-type'] = draw.contentType;
        return {
          route: draw.template.route,
          method: draw.otherMethod ?? draw.template.method,
          path,
          headers,
          body,
          chunked: draw.chunked,
        };
      }),
    ),
  );

function pick(fields: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, fields[key]]));
}
