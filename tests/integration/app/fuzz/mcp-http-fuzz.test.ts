// Fuzzing `/mcp` of `switchyard start` (the issue: malformed and hostile input at the JSON-RPC
// fronts). Ten thousand seeded requests: the JSON-RPC payloads of the stdio fuzzer as bodies, in a
// real session, a made-up one or none, with wrong methods, headers, sizes and encodings. Every
// answer must be a JSON-RPC error with a status ≥ 400, or a well-formed JSON-RPC answer to a
// request that was valid; no request may go unanswered past its deadline; the bridge must serve a
// normal MCP client afterwards. Slow bodies must be answered or closed within the request timeout.
import http from 'node:http';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiErrorProblem,
  BODY_LIMIT,
  bodySignature,
  describeErrorLogs,
  eachLimited,
  ENTRY,
  exchange,
  FUZZ_INPUTS,
  FUZZ_KEY,
  FuzzTally,
  fuzzSeed,
  fuzzServiceConfig,
  type HttpAnswer,
  type HttpExchange,
  jsonRpcErrorProblem,
  parseJson,
  REQUEST_TIMEOUT_MS,
  type ServiceProcess,
  stalledRequest,
  startService,
} from '../../../support/fuzz-bridge.js';
import { classifyValue, describeBytes, idKey } from '../../../support/hostile-json-rpc.js';
import {
  type McpPlan,
  mcpRequest,
  sessionValues,
  toExchange,
} from '../../../support/hostile-mcp-requests.js';

const DEADLINE_MS = 10_000;
const CONCURRENCY = 4;
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 'fuzz-init',
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcp-fuzz', version: '1' } },
};

describe('/mcp of switchyard start under hostile requests', () => {
  let service: ServiceProcess;
  let limitsApplied = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  /** The fuzzer's own session; re-opened when the fuzz input ends it (DELETE) or it is evicted. */
  let realSession = '';
  let reopening: Promise<void> | undefined;

  async function openSession(): Promise<void> {
    // A connection of its own: a pooled one may be one the server is closing.
    const agent = new http.Agent({ keepAlive: false });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${FUZZ_KEY}`,
    };
    const init = await exchange(
      agent,
      service.port,
      { method: 'POST', path: '/mcp', headers, body: Buffer.from(JSON.stringify(INITIALIZE)) },
      DEADLINE_MS,
    );
    if (init.kind !== 'answer' || init.answer.status !== 200)
      throw new Error(`initialize failed: ${JSON.stringify(init)}`);
    realSession = String(init.answer.headers['mcp-session-id']);
    const initialized = await exchange(
      agent,
      service.port,
      {
        method: 'POST',
        path: '/mcp',
        headers: { ...headers, 'mcp-session-id': realSession },
        body: Buffer.from('{"jsonrpc":"2.0","method":"notifications/initialized"}'),
      },
      DEADLINE_MS,
    );
    if (initialized.kind !== 'answer' || initialized.answer.status !== 202)
      throw new Error(`notifications/initialized failed: ${JSON.stringify(initialized)}`);
  }

  beforeAll(async () => {
    const { config, limitsApplied: applied } = await fuzzServiceConfig();
    limitsApplied = applied;
    if (!applied) console.log(`fuzz /mcp: the config schema of ${ENTRY} has no api.limits; left out`);
    service = await startService('mcp', config);
    await openSession();
  }, 120_000);
  afterAll(async () => {
    agent.destroy();
    await service?.stop();
  });

  it(`answers each of ${FUZZ_INPUTS} hostile requests with a JSON-RPC error or a well-formed answer, and serves a client afterwards`, async () => {
    const seed = fuzzSeed();
    const plans = fc.sample(mcpRequest, { seed, numRuns: FUZZ_INPUTS });
    const sessions = fc.sample(sessionValues, { seed: seed + 1, numRuns: FUZZ_INPUTS });
    const tally = new FuzzTally();
    const families = new FuzzTally();
    /** Status of each answered input, by label: names the answer after which a connection closed. */
    const statusOf = new Map<string, number>();
    const started = Date.now();

    await eachLimited(plans, CONCURRENCY, async (plan, index) => {
      families.add(plan.family);
      if (reopening) await reopening;
      const request = toExchange(plan, sessions[index]!, service.port, realSession);
      const label = `#${index} ${plan.method} ${plan.path} session=${plan.session} headers=${JSON.stringify(
        Object.fromEntries(Object.entries(plan.headers).map(([name, value]) => [name, value.slice(0, 60)])),
      )}${plan.chunked ? ' chunked' : ''} body(${plan.family})=${plan.body ? describeBytes(plan.body) : 'none'}`;
      let outcome = await exchange(agent, service.port, request, DEADLINE_MS, label);
      if (outcome.kind === 'reset' && outcome.previous !== undefined) {
        // A pooled connection the server closed after the previous request: once more on a new one.
        tally.add('retried on a new connection');
        tally.add(`closed after: ${statusOf.get(outcome.previous) ?? 'no answer'}`);
        outcome = await exchange(false, service.port, request, DEADLINE_MS, label);
      }
      if (outcome.kind === 'hang') {
        tally.add('hangs');
        return tally.fail(`no answer within ${DEADLINE_MS} ms`, label);
      }
      if (outcome.kind === 'reset') {
        if (outcome.error.startsWith('client refused')) return tally.add('not sendable');
        // A server may close instead of reading a body over its limit (RFC 9110 §15.5.14); the
        // 413 it wrote is then lost to a client still writing. Counted, and only for those.
        if ((plan.body?.length ?? 0) > BODY_LIMIT) return tally.add('oversized bodies cut off');
        tally.add('resets');
        return tally.fail(`the connection ended without an answer (${outcome.error})`, label);
      }
      statusOf.set(label, outcome.answer.status);
      const verdict = judge(plan, request, outcome.answer);
      const { status, headers, body } = outcome.answer;
      if (verdict.problem)
        tally.fail(
          verdict.problem,
          `${label}\n      → ${status} ${String(headers['content-type'])} ${describeBytes(body)}`,
        );
      tally.add(verdict.kind === 'error' ? 'errors' : 'results');
      tally.add(`status ${outcome.answer.status}`);
      // The fuzz input may have ended or replaced the real session: open another.
      const endedIt =
        plan.session === 'real' &&
        request.headers['mcp-session-id'] === realSession &&
        (outcome.answer.status === 404 || (plan.method === 'DELETE' && outcome.answer.status === 200));
      if (endedIt) {
        tally.add('sessions reopened');
        reopening ??= openSession().finally(() => (reopening = undefined));
        await reopening;
      }
    });

    const crashes = service.running() ? 0 : 1;
    const statuses = [...tally.counts]
      .filter(([name]) => name.startsWith('status '))
      .map(([name, count]) => `${name.slice(7)}×${count}`);
    console.log(
      `fuzz /mcp: ${plans.length} inputs, ${tally.get('errors')} error answers, ${tally.get('results')} results, ` +
        `${crashes} crashes, ${tally.get('hangs')} hangs, seed=${seed} ` +
        `(${tally.get('resets')} connections ended unanswered, ${tally.get('oversized bodies cut off')} oversized bodies cut off, ` +
        `${tally.get('not sendable')} not sendable by the client, ${tally.get('retried on a new connection')} retried ` +
        `on a new connection [${[...tally.counts]
          .filter(([name]) => name.startsWith('closed after'))
          .map(([name, count]) => `${name}×${count}`)
          .join(', ')}], ` +
        `${tally.get('sessions reopened')} sessions reopened; statuses ${statuses.join(' ')}; ${ENTRY}; ` +
        `${Math.round((Date.now() - started) / 1000)} s)`,
    );
    console.log(`fuzz /mcp families: ${JSON.stringify(Object.fromEntries(families.counts))}`);
    console.log(`fuzz /mcp: error logs of the bridge: ${describeErrorLogs(service.errorLogs())}`);
    if (tally.failureCount > 0) console.log(`fuzz /mcp failures (seed=${seed}):\n${tally.failureReport()}`);

    expect(crashes, `the bridge exited (seed=${seed}):\n${service.stderrTail().slice(-3000)}`).toBe(0);
    expect(plans.length).toBeGreaterThanOrEqual(FUZZ_INPUTS);
    expect(tally.get('hangs'), `seed=${seed}`).toBe(0);
    expect(tally.failureReport(), `seed=${seed}`).toBe('');
    expect(
      tally.get('errors') +
        tally.get('results') +
        tally.get('not sendable') +
        tally.get('oversized bodies cut off'),
    ).toBe(plans.length);
    expect(tally.get('results')).toBeGreaterThan(1000);
    expect(tally.get('errors')).toBeGreaterThan(1000);

    // The bridge still serves: its health route, and a normal MCP client's session and call.
    const health = await fetch(`${service.url}/health`);
    expect(health.status).toBe(200);
    const client = new Client({ name: 'after-fuzz', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${FUZZ_KEY}` } },
      }),
    );
    try {
      const result = await client.callTool({ name: 'memory__read_graph', arguments: {} });
      expect(result.isError ?? false).toBe(false);
      expect(result.structuredContent).toMatchObject({
        entities: expect.any(Array),
        relations: expect.any(Array),
      });
    } finally {
      await client.close();
    }
    expect(service.running()).toBe(true);
  }, 240_000);

  // Found by the fuzzer: a DELETE of the session while its requests run (the fuzz input deletes
  // the real session now and then). Each of those requests must still get an answer a client can
  // read: its response, or a JSON-RPC error; not a 200 event stream that ends with nothing in it.
  it('answers each request still running when its session is deleted', async () => {
    const fresh = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${FUZZ_KEY}`,
    };
    const problems: string[] = [];
    let answered = 0;
    try {
      for (let round = 0; round < 20; round++) {
        const init = await exchange(
          fresh,
          service.port,
          { method: 'POST', path: '/mcp', headers, body: Buffer.from(JSON.stringify(INITIALIZE)) },
          DEADLINE_MS,
        );
        if (init.kind !== 'answer') throw new Error(`initialize: ${JSON.stringify(init)}`);
        const session = String(init.answer.headers['mcp-session-id']);
        const inSession = { ...headers, 'mcp-session-id': session };
        const calls = Array.from({ length: 6 }, (_, call) => {
          const body = Buffer.from(
            JSON.stringify({
              jsonrpc: '2.0',
              id: `call-${round}-${call}`,
              method: 'tools/call',
              params: { name: 'memory__search_nodes', arguments: { query: 'x' } },
            }),
          );
          const plan: McpPlan = {
            family: 'valid',
            method: 'POST',
            path: '/mcp',
            session: 'real',
            headers: inSession,
            body,
            chunked: false,
          };
          const request: HttpExchange = { method: 'POST', path: '/mcp', headers: inSession, body };
          return exchange(fresh, service.port, request, DEADLINE_MS).then((outcome) => ({
            plan,
            request,
            outcome,
          }));
        });
        await new Promise((resolve) => setTimeout(resolve, round % 4));
        const deleted = await exchange(
          fresh,
          service.port,
          {
            method: 'DELETE',
            path: '/mcp',
            headers: { authorization: headers.authorization, 'mcp-session-id': session },
          },
          DEADLINE_MS,
        );
        expect(deleted.kind === 'answer' && deleted.answer.status).toBe(200);
        for (const { plan, request, outcome } of await Promise.all(calls)) {
          if (outcome.kind !== 'answer') {
            problems.push(`${outcome.kind} ${JSON.stringify(outcome)}`);
            continue;
          }
          answered += 1;
          const verdict = judge(plan, request, outcome.answer);
          if (verdict.problem)
            problems.push(
              `${verdict.problem}: ${outcome.answer.status} ${String(outcome.answer.headers['content-type'])} ${describeBytes(outcome.answer.body)}`,
            );
        }
      }
    } finally {
      fresh.destroy();
    }
    console.log(
      `fuzz /mcp session deleted under requests: ${answered} answered, ${problems.length} not readable`,
    );
    expect(problems.slice(0, 5), `${problems.length} of 120 requests`).toEqual([]);
  }, 60_000);

  it('answers or closes a stalled body or header within the request timeout', async (context) => {
    if (!limitsApplied) {
      console.log(`fuzz /mcp slow bodies: skipped, ${ENTRY} has no api.limits.requestTimeoutMs`);
      context.skip();
    }
    const host = `127.0.0.1:${service.port}`;
    const auth = `Authorization: Bearer ${FUZZ_KEY}\r\n`;
    const json = 'Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n';
    const deadlineMs = REQUEST_TIMEOUT_MS + 3000;
    const cases = {
      'a body shorter than its length': [
        `POST /mcp HTTP/1.1\r\nHost: ${host}\r\n${auth}${json}Content-Length: 1000\r\n\r\n{"jsonrpc":`,
        [],
      ],
      'a chunked body that stops': [
        `POST /mcp HTTP/1.1\r\nHost: ${host}\r\n${auth}${json}Transfer-Encoding: chunked\r\n\r\n5\r\n{"jso\r\n`,
        [],
      ],
      'headers that never end': [`POST /mcp HTTP/1.1\r\nHost: ${host}\r\n${auth}`, []],
      'a body dribbled a byte at a time': [
        `POST /mcp HTTP/1.1\r\nHost: ${host}\r\n${auth}${json}Content-Length: 1000\r\n\r\n`,
        Array.from({ length: 40 }, () => ' '),
      ],
      'headers dribbled a byte at a time': [
        `POST /mcp HTTP/1.1\r\nHost: ${host}\r\n`,
        Array.from({ length: 40 }, () => 'X'),
      ],
    } satisfies Record<string, [string, string[]]>;
    const outcomes = await Promise.all(
      Object.entries(cases).map(async ([name, [head, parts]]) => ({
        name,
        outcome: await stalledRequest(service.port, head, parts, { everyMs: 250, deadlineMs }),
      })),
    );
    console.log(
      `fuzz /mcp slow bodies: ${outcomes.map(({ name, outcome }) => `${name}: ${JSON.stringify(outcome)}`).join('; ')}`,
    );
    for (const { name, outcome } of outcomes) {
      expect(outcome.kind, `${name}: ${JSON.stringify(outcome)}`).not.toBe('hang');
      if (outcome.kind === 'answered') expect(outcome.status, name).toBeGreaterThanOrEqual(400);
    }
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    expect(service.running()).toBe(true);
  }, 60_000);
});

/** Whether an answer is what the issue allows: a JSON-RPC error ≥ 400, or a well-formed answer. */
function judge(
  plan: McpPlan,
  request: HttpExchange,
  answer: HttpAnswer,
): { kind: 'error' | 'result'; problem?: string } {
  const { status } = answer;
  const contentType = String(answer.headers['content-type'] ?? '');
  // A body over the limit in an otherwise proper POST is refused for its size, whatever it holds.
  const proper =
    request.method === 'POST' &&
    request.path === '/mcp' &&
    plan.headers['content-type'] === 'application/json' &&
    plan.headers.authorization === `Bearer ${FUZZ_KEY}` &&
    plan.headers.origin === undefined &&
    plan.headers.host === undefined;
  if (proper && (plan.body?.length ?? 0) > BODY_LIMIT && status !== 413)
    return {
      kind: status >= 400 ? 'error' : 'result',
      problem: `a body over the limit answered ${status}, not 413`,
    };
  if (status >= 400) {
    if (request.method === 'HEAD') return { kind: 'error' };
    const body = parseJson(answer.body);
    // Another path than /mcp ('/mcp/', '/MCP') is the API's: its error body is the right one there.
    const endpoint = request.path.split(/[?#]/)[0] === '/mcp';
    const problem = endpoint ? jsonRpcErrorProblem(body) : apiErrorProblem(body);
    if (problem)
      return {
        kind: 'error',
        problem: `${status} ${endpoint ? '' : 'on another path '}answered with ${bodySignature(answer.body)}`,
      };
    if (status >= 500) return { kind: 'error', problem: `${status}: a server error` };
    return { kind: 'error' };
  }
  if (status < 200 || status >= 300) return { kind: 'result', problem: `status ${status}` };
  if (answer.stream) return { kind: 'result' };
  if (request.method === 'DELETE' || status === 202) {
    return answer.body.length === 0
      ? { kind: 'result' }
      : { kind: 'result', problem: `${status} with a body on ${request.method}` };
  }
  if (request.method !== 'POST') return { kind: 'result', problem: `${status} to ${request.method}` };
  const messages = contentType.startsWith('text/event-stream')
    ? sseMessages(answer.body)
    : jsonMessages(answer.body);
  if (typeof messages === 'string')
    return { kind: 'result', problem: `${status} ${contentType}: ${messages}` };
  const responses = messages.filter((message) => !('method' in message));
  if (responses.length === 0) return { kind: 'result', problem: `${status} with no response in it` };
  // One valid request in the body: its answer has its id.
  const sent = plan.body === undefined ? undefined : parseJson(plan.body);
  const classified = sent === undefined ? undefined : classifyValue(sent);
  if (
    classified?.kind === 'request' &&
    (responses.length !== 1 || idKey(responses[0]!.id) !== idKey(classified.id))
  )
    return { kind: 'result', problem: 'the answer does not carry the request id' };
  return { kind: 'result' };
}

type Message = Record<string, unknown>;

/** The JSON-RPC messages of a JSON answer (one or a batch), or why it is not one. */
function jsonMessages(body: Buffer): Message[] | string {
  const value = parseJson(body);
  const items = Array.isArray(value) ? value : [value];
  for (const item of items)
    if (!JSONRPCMessageSchema.safeParse(item).success) return `not JSON-RPC: ${describeBytes(body)}`;
  return items as Message[];
}

/** The JSON-RPC messages of an event stream's `data:` lines, or why it is not one. */
function sseMessages(body: Buffer): Message[] | string {
  const messages: Message[] = [];
  for (const event of body.toString('utf8').split('\n\n')) {
    const data = event
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (data === '') continue;
    const value = parseJson(Buffer.from(data));
    if (!JSONRPCMessageSchema.safeParse(value).success)
      return `an event is not JSON-RPC: ${JSON.stringify(data.slice(0, 200))}`;
    messages.push(value as Message);
  }
  return messages;
}
