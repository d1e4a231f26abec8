// Hostile JSON-RPC for the fuzz tests of the MCP fronts (tests/integration/bridge/fuzz): seeded
// fast-check arbitraries of payloads a broken or malicious client sends, and the oracle that says
// which of them the SDK accepts as a message. The payloads are built as text (or bytes), not with
// JSON.stringify of a value, so that depths past V8's recursion limit and numbers JSON cannot
// round-trip (2^63, 1e400) reach the server exactly as written.
import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';
import fc from 'fast-check';

/** The kinds of hostile input, counted separately in the fuzz reports. */
export const FAMILIES = [
  'invalid-json',
  'wrong-shape',
  'unknown-method',
  'wrong-params',
  'valid',
  'odd-id',
  'duplicate-ids',
  'batch',
  'deep',
  'large',
  'binary',
  'non-utf8',
  'notification',
  'response',
] as const;
export type Family = (typeof FAMILIES)[number];

/** One payload: a message (or an array, or garbage) as the bytes sent, without a line end. */
export interface HostilePayload {
  family: Family;
  bytes: Buffer;
}

/** Tools the fuzzers may call with any arguments: reads, and tools that fail before doing anything. */
export const HARMLESS_TOOLS = [
  'memory__read_graph',
  'memory__search_nodes',
  'memory__open_nodes',
  'memory__get_related',
  'tasks__status',
] as const;

/** Strings that have broken parsers, SQL drivers and loggers before. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0000'.repeat(64),
  '\r\n',
  '\uFEFF',
  '\u202Eevil',
  '😀',
  '\uD800',
  '\uDFFF\uD800',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  '%2e%2e%2f',
  "'; DROP TABLE runs; --",
  '" OR 1=1 --',
  '${jndi:ldap://127.0.0.1:9/x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'NaN',
  'null',
  'undefined',
  '-1',
  '1e400',
  'x'.repeat(4096),
] as const;

/** Number literals as text: those JSON cannot carry exactly, or that are not integers. */
const ODD_NUMBER_LITERALS = [
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '18446744073709551616',
  '123456789012345678901234567890',
  '9007199254740993',
  '1e400',
  '-1e400',
  '1e-400',
  '1.0',
  '1E2',
  '-0',
  '0.5',
  '3.141592653589793',
  '1e21',
] as const;

const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;
const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;

/** fc.oneof with the weight first: `weighted([9, common], [1, rare])`. */
export const weighted = <T>(...pairs: Array<[number, fc.Arbitrary<T>]>): fc.Arbitrary<T> =>
  fc.oneof(...pairs.map(([weight, arbitrary]) => ({ weight, arbitrary })));
/** fc.constant, short for the many weighted constants of the HTTP fuzzers. */
export const some = <T>(value: T): fc.Arbitrary<T> => fc.constant(value);

const text = (value: unknown): string => JSON.stringify(value);
const utf8 = (value: string): Buffer => Buffer.from(value, 'utf8');

/** Any string a client could put in a JSON field, weighted towards the nasty ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }), weight: 2 },
  {
    // Long strings cheaply: a short unit repeated (fast-check would draw every character).
    arbitrary: fc
      .tuple(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1000, max: 20_000 }),
      )
      .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length)),
    weight: 1,
  },
);

/** Any JSON value, small, with hostile strings. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }), weight: 4 },
  { arbitrary: hostileString, weight: 2 },
  {
    arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, [], {}, '', Number.MAX_SAFE_INTEGER),
    weight: 2,
  },
);

/** An id as JSON text: valid ones (to be answered) and every kind JSON-RPC or the SDK refuses. */
export const hostileIdText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.integer().map(String), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(text), weight: 3 },
  { arbitrary: fc.constantFrom(...ODD_NUMBER_LITERALS), weight: 3 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(text), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 1000, max: 100_000 }))
      .map(([unit, length]) => text(unit.repeat(Math.ceil(length / unit.length)).slice(0, length))),
    weight: 1,
  },
  { arbitrary: fc.constantFrom('null', 'true', 'false', '{}', '[]', '[1]', '{"id":1}', '""'), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }).map(text), weight: 1 },
);

/** A plain, valid id, unique enough that answers can be told apart. */
const plainId: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 31 }).map(String),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }).map(text),
);

const request = (idText: string, method: string, paramsText?: string): string =>
  `{"jsonrpc":"2.0","id":${idText},"method":${text(method)}${paramsText === undefined ? '' : `,"params":${paramsText}`}}`;

const initializeParams = fc.record({
  protocolVersion: fc.oneof(fc.constantFrom(...PROTOCOL_VERSIONS), hostileString),
  capabilities: fc.constant({}),
  clientInfo: fc.record({ name: fc.string({ maxLength: 20 }), version: fc.string({ maxLength: 8 }) }),
});

/** A request that is valid as MCP: the server answers it with a result (or a tool's isError result). */
const validRequestText: fc.Arbitrary<string> = fc
  .tuple(
    plainId,
    fc.oneof(
      fc.constant(['ping', undefined] as const),
      fc.constant(['tools/list', '{}'] as const),
      fc.constant(['resources/list', '{}'] as const),
      fc.constant(['resources/templates/list', '{}'] as const),
      fc.constant(['prompts/list', '{}'] as const),
      fc.constantFrom(...LOG_LEVELS).map((level) => ['logging/setLevel', text({ level })] as const),
      fc.constant(['tools/call', text({ name: 'memory__read_graph' })] as const),
      hostileString.map(
        (query) => ['tools/call', text({ name: 'memory__search_nodes', arguments: { query } })] as const,
      ),
      fc
        .array(hostileString, { maxLength: 4 })
        .map((names) => ['tools/call', text({ name: 'memory__open_nodes', arguments: { names } })] as const),
      hostileString.map(
        (runId) => ['tools/call', text({ name: 'tasks__status', arguments: { runId } })] as const,
      ),
      // A tool that does not exist is an isError result, not a protocol error.
      hostileString.map((name) => ['tools/call', text({ name, arguments: {} })] as const),
      fc
        .tuple(fc.constantFrom(...HARMLESS_TOOLS), fc.string({ maxLength: 12 }))
        .map(
          ([name, token]) =>
            ['tools/call', text({ name, arguments: {}, _meta: { progressToken: token } })] as const,
        ),
    ),
  )
  .map(([id, [method, params]]) => request(id, method, params));

/** A method nobody serves: near misses, other protocols' methods, control characters, long names. */
const unknownMethodText: fc.Arbitrary<string> = fc
  .tuple(
    plainId,
    fc.oneof(
      fc.constantFrom(
        'tools/lists',
        'TOOLS/LIST',
        'tools/list ',
        'tools/',
        '/tools/list',
        'rpc.discover',
        'system.listMethods',
        'sampling/createMessage',
        'elicitation/create',
        'roots/list',
        'tasks/get',
        'tasks/list',
        'notifications/initialized/',
        '',
        '\u0000',
        '__proto__',
        'constructor',
      ),
      hostileString,
    ),
    fc.option(
      anyJson.filter((value) => typeof value === 'object' && value !== null && !Array.isArray(value)),
    ),
  )
  .map(([id, method, params]) => request(id, method, params === null ? undefined : text(params)));

/** Methods that exist, with params of the wrong types or shapes. */
const wrongParamsText: fc.Arbitrary<string> = fc
  .tuple(
    plainId,
    fc.constantFrom(
      'initialize',
      'ping',
      'tools/list',
      'tools/call',
      'resources/read',
      'resources/subscribe',
      'resources/unsubscribe',
      'prompts/get',
      'completion/complete',
      'logging/setLevel',
    ),
    fc.oneof(
      // Not an object at all (JSON-RPC allows arrays; MCP does not).
      anyJson.map(text),
      // An object with the right field names and wrong values.
      fc
        .record({
          name: anyJson,
          arguments: anyJson,
          uri: anyJson,
          level: anyJson,
          ref: anyJson,
          argument: anyJson,
          protocolVersion: anyJson,
          cursor: anyJson,
          _meta: anyJson,
        })
        .chain((fields) => fc.subarray(Object.keys(fields)).map((keys) => text(pick(fields, keys)))),
      // tools/call's arguments as anything but an object.
      anyJson.map((args) => text({ name: 'memory__read_graph', arguments: args })),
    ),
  )
  .map(([id, method, params]) => request(id, method, params));

/** ping with every kind of id; which ones are answered is the oracle's to say. */
const oddIdText: fc.Arbitrary<string> = fc
  .tuple(hostileIdText, fc.constantFrom('ping', 'tools/list'))
  .map(([id, method]) => request(id, method));

/** Valid JSON that is not a JSON-RPC message. */
const wrongShapeText: fc.Arbitrary<string> = fc.oneof(
  anyJson.map(text),
  fc
    .record({
      jsonrpc: fc.oneof(fc.constantFrom('2.0', '1.0', '2', '3.0', ''), anyJson),
      id: anyJson,
      method: anyJson,
      params: anyJson,
      result: anyJson,
      error: anyJson,
      extra: anyJson,
    })
    .chain((fields) => fc.subarray(Object.keys(fields)).map((keys) => text(pick(fields, keys)))),
  // Right fields, one of them wrong, or one too many (the SDK's schemas are strict).
  plainId.map((id) => `{"jsonrpc":"2.0","id":${id},"method":"ping","extra":1}`),
  plainId.map((id) => `{"jsonrpc":2.0,"id":${id},"method":"ping"}`),
  plainId.map((id) => `{"id":${id},"method":"ping"}`),
  plainId.map((id) => `{"jsonrpc":"2.0","id":${id},"method":5}`),
  plainId.map((id) => `{"jsonrpc":"2.0","id":${id},"method":"ping","jsonrpc":"1.0"}`),
  plainId.map((id) => `{"jsonrpc":"2.0","id":${id},"method":"ping","__proto__":{"polluted":true}}`),
  plainId.map(
    (id) =>
      `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"constructor":{"prototype":{"polluted":true}}}}`,
  ),
);

/** Not JSON: truncated, trailing garbage, comments, single quotes, JavaScript literals. */
const invalidJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).filter((value) => !isJson(value)),
  validRequestText.chain((valid) =>
    fc.integer({ min: 0, max: Math.max(0, valid.length - 1) }).map((cut) => valid.slice(0, cut)),
  ),
  validRequestText.map((valid) => `${valid}}`),
  validRequestText.map((valid) => `${valid} ${valid}`),
  validRequestText.map((valid) => `${valid},`),
  fc.constantFrom(
    '{',
    '}',
    '[',
    ']',
    '{"jsonrpc":"2.0",}',
    "{'jsonrpc':'2.0','id':1,'method':'ping'}",
    '{"jsonrpc":"2.0","id":1,"method":"ping" /* comment */}',
    '{"jsonrpc":"2.0","id":NaN,"method":"ping"}',
    '{"jsonrpc":"2.0","id":Infinity,"method":"ping"}',
    '{"jsonrpc":"2.0","id":undefined,"method":"ping"}',
    '{"jsonrpc":"2.0","id":0x10,"method":"ping"}',
    '{"jsonrpc":"2.0","id":01,"method":"ping"}',
    '{jsonrpc:"2.0",id:1,method:"ping"}',
    '\uFEFF{"jsonrpc":"2.0","id":1,"method":"ping"}',
    '{"jsonrpc":"2.0","id":1,"method":"\\ud800\\u"}',
    'null null',
    'nul',
    'tru',
    '"unterminated',
    '\u0000',
    'Content-Length: 52\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"ping"}',
    'GET / HTTP/1.1',
  ),
);

/** Notifications: answered by nothing. `notifications/cancelled` never names an id the fuzzer sends. */
const notificationText: fc.Arbitrary<string> = fc.oneof(
  fc.constant('{"jsonrpc":"2.0","method":"notifications/initialized"}'),
  fc.string({ maxLength: 20 }).map((suffix) =>
    text({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: `never-sent-${suffix}` },
    }),
  ),
  fc
    .tuple(anyJson, anyJson)
    .map(([token, progress]) =>
      text({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress } }),
    ),
  fc
    .tuple(hostileString, fc.option(anyJson))
    .map(([method, params]) => text({ jsonrpc: '2.0', method, ...(params === null ? {} : { params }) })),
);

/** Responses and errors a client sends to a server that asked nothing. */
const responseText: fc.Arbitrary<string> = fc
  .tuple(hostileIdText, fc.boolean(), anyJson)
  .map(([id, isError, value]) =>
    isError
      ? `{"jsonrpc":"2.0","id":${id},"error":{"code":-32000,"message":${text(text(value) ?? 'undefined')}}}`
      : `{"jsonrpc":"2.0","id":${id},"result":${text(typeof value === 'object' && value !== null ? value : { value })}}`,
  );

/** Nesting as text, past JSON.stringify's recursion limit: in params, arguments, _meta, id or the whole message. */
const deepText: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 1000, max: 10_000 }),
    fc.constantFrom('array', 'object'),
    fc.constantFrom('message', 'params', 'arguments', 'meta', 'id', 'batch'),
    plainId,
  )
  .map(([depth, shape, where, id]) => {
    const nested =
      shape === 'array'
        ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
        : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    switch (where) {
      case 'message':
        return nested;
      case 'params':
        return request(id, 'ping', `{"deep":${nested}}`);
      case 'arguments':
        return request(id, 'tools/call', `{"name":"memory__read_graph","arguments":{"deep":${nested}}}`);
      case 'meta':
        return request(id, 'tools/list', `{"_meta":{"deep":${nested}}}`);
      case 'id':
        return request(nested, 'ping');
      default:
        return `[${nested}]`;
    }
  });

/** About 1 MB: as a tool argument, a method name, an id, or an unterminated string. */
const largeText: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
    fc.integer({ min: 900_000, max: 1_100_000 }),
    fc.constantFrom('argument', 'method', 'id', 'garbage', 'params-key'),
    plainId,
  )
  .map(([unit, length, where, id]) => {
    const big = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
    switch (where) {
      case 'argument':
        return request(id, 'tools/call', text({ name: 'memory__search_nodes', arguments: { query: big } }));
      case 'method':
        return request(id, big);
      case 'id':
        return request(text(big), 'ping');
      case 'params-key':
        return request(id, 'ping', text({ [big]: 1 }));
      default:
        return `{"jsonrpc":"2.0","id":${id},"method":"ping","params":{"x":"${big.replace(/["\\\n\r]/g, 'x')}`;
    }
  });

/** Byte sequences that are not UTF-8: lone continuation bytes, overlong forms, encoded surrogates. */
const NON_UTF8 = [
  [0xff],
  [0xfe, 0xff],
  [0x80],
  [0xbf, 0x80],
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
] as const;

/** A valid request with invalid UTF-8 inside its id, method or an argument, or around it. */
const nonUtf8Bytes: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.constantFrom(...NON_UTF8),
    fc.constantFrom('id', 'method', 'argument', 'prefix', 'suffix'),
    plainId,
  )
  .map(([sequence, where, id]) => {
    const bad = Buffer.from(sequence);
    switch (where) {
      case 'id':
        return Buffer.concat([utf8('{"jsonrpc":"2.0","id":"'), bad, utf8('","method":"ping"}')]);
      case 'method':
        return Buffer.concat([utf8(`{"jsonrpc":"2.0","id":${id},"method":"ping`), bad, utf8('"}')]);
      case 'argument':
        return Buffer.concat([
          utf8(
            `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"memory__search_nodes","arguments":{"query":"`,
          ),
          bad,
          utf8('"}}}'),
        ]);
      case 'prefix':
        return Buffer.concat([bad, utf8(request(id, 'ping'))]);
      default:
        return Buffer.concat([utf8(request(id, 'ping')), bad]);
    }
  });

/** A JSON array: empty, of valid requests (a batch), mixed, nested, or a thousand pings. */
const batchText: fc.Arbitrary<string> = fc.oneof(
  fc.constant('[]'),
  fc.constant('[[]]'),
  fc.array(validRequestText, { minLength: 1, maxLength: 5 }).map((items) => `[${items.join(',')}]`),
  fc
    .array(fc.oneof(validRequestText, notificationText, responseText, wrongShapeText), {
      minLength: 1,
      maxLength: 5,
    })
    .map((items) => `[${items.join(',')}]`),
  validRequestText.map((item) => `[[${item}]]`),
  fc
    .integer({ min: 0, max: 1000 })
    .map(
      (base) =>
        `[${Array.from({ length: 1000 }, (_, i) => request(String(base * 1000 + i), 'ping')).join(',')}]`,
    ),
);

/** Two or three valid requests under one id (a batch over HTTP, separate lines on stdio). */
export const duplicateRequests: fc.Arbitrary<string[]> = fc
  .tuple(
    plainId,
    fc.array(fc.constantFrom('ping', 'tools/list', 'prompts/list'), { minLength: 2, maxLength: 3 }),
  )
  .map(([id, methods]) => methods.map((method) => request(id, method)));

/** One hostile payload of any family except duplicate ids (which need two messages). */
export const hostilePayload: fc.Arbitrary<HostilePayload> = fc.oneof(
  { arbitrary: family('invalid-json', invalidJsonText), weight: 12 },
  { arbitrary: family('wrong-shape', wrongShapeText), weight: 12 },
  { arbitrary: family('unknown-method', unknownMethodText), weight: 10 },
  { arbitrary: family('wrong-params', wrongParamsText), weight: 12 },
  { arbitrary: family('valid', validRequestText), weight: 14 },
  { arbitrary: family('odd-id', oddIdText), weight: 10 },
  { arbitrary: family('batch', batchText), weight: 6 },
  { arbitrary: family('deep', deepText), weight: 3 },
  // About 1 MB each: a handful per ten thousand keeps a run well under a minute.
  { arbitrary: family('large', largeText), weight: 1 },
  {
    arbitrary: fc.uint8Array({ minLength: 1, maxLength: 2048 }).map((bytes) => bin('binary', bytes)),
    weight: 6,
  },
  { arbitrary: nonUtf8Bytes.map((bytes) => bin('non-utf8', bytes)), weight: 5 },
  { arbitrary: family('notification', notificationText), weight: 6 },
  { arbitrary: family('response', responseText), weight: 4 },
);

/** An initialize request (valid params, or a hostile protocol version). */
export const initializeText = (idText: string, params: unknown): string =>
  request(idText, 'initialize', text(params));
export const initializeRequest: fc.Arbitrary<string> = fc
  .tuple(plainId, initializeParams)
  .map(([id, params]) => initializeText(id, params));

function family(name: Family, arbitrary: fc.Arbitrary<string>): fc.Arbitrary<HostilePayload> {
  return arbitrary.map((value) => ({ family: name, bytes: utf8(value) }));
}

function bin(name: Family, bytes: Uint8Array): HostilePayload {
  return { family: name, bytes: Buffer.from(bytes) };
}

function pick(fields: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, fields[key]]));
}

function isJson(value: string): boolean {
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

/** What the SDK makes of one decoded line or body: a message it handles, or nothing. */
export type Classified =
  | { kind: 'dropped' }
  | { kind: 'request'; id: string | number; method: string }
  | { kind: 'notification'; method: string }
  | { kind: 'response' };

/**
 * Classifies a JSON-RPC text as the SDK's transports do (`JSON.parse`, then `JSONRPCMessageSchema`):
 * anything that fails either is dropped by the stdio transport (reported to `onerror`, never
 * answered), so only requests that pass are owed an answer.
 */
export function classifyMessage(line: string): Classified {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'dropped' };
  }
  return classifyValue(value);
}

/** {@link classifyMessage} of a value already parsed (an HTTP body, a batch item). */
export function classifyValue(value: unknown): Classified {
  const parsed = JSONRPCMessageSchema.safeParse(value);
  if (!parsed.success) return { kind: 'dropped' };
  const message = parsed.data;
  if ('method' in message && 'id' in message)
    return { kind: 'request', id: message.id, method: message.method };
  if ('method' in message) return { kind: 'notification', method: message.method };
  return { kind: 'response' };
}

/** A key for a request id as it comes back: the server parses and re-serializes it. */
export function idKey(id: unknown): string {
  return `${typeof id}:${JSON.stringify(id)}`;
}

/** A short description of an input for failure reports (its start, escaped, and its size). */
export function describeBytes(bytes: Buffer): string {
  const head = bytes.subarray(0, 160).toString('utf8');
  return `${JSON.stringify(head)}${bytes.length > 160 ? `… (${bytes.length} bytes)` : ''}`;
}
