// Fuzzing the REST routes of `switchyard start` (the issue: malformed and hostile input at the
// fronts). Ten thousand seeded requests to the tool, task, run and approval routes and to paths
// that do not exist: hostile path parameters (NUL, traversal, broken percent-encoding, 20 KB),
// query strings, methods, headers and bodies. Every answer must be the API's error body with a
// status ≥ 400, or a 2xx with JSON; never a 500 that is not a generic message with a request id.
import http from 'node:http';
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
  parseJson,
  REQUEST_TIMEOUT_MS,
  type ServiceProcess,
  stalledRequest,
  startService,
} from '../../../support/fuzz-bridge.js';
import { describeBytes } from '../../../support/hostile-json-rpc.js';
import { type RestPlan, restRequest } from '../../../support/hostile-rest-requests.js';

const DEADLINE_MS = 10_000;
const CONCURRENCY = 4;

describe('the REST routes of switchyard start under hostile requests', () => {
  let service: ServiceProcess;
  let limitsApplied = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const auth = { authorization: `Bearer ${FUZZ_KEY}` };

  beforeAll(async () => {
    const { config, limitsApplied: applied } = await fuzzServiceConfig();
    limitsApplied = applied;
    if (!applied) console.log(`fuzz REST: the config schema of ${ENTRY} has no api.limits; left out`);
    service = await startService('rest', config);
  }, 120_000);
  afterAll(async () => {
    agent.destroy();
    await service?.stop();
  });

  it(`answers each of ${FUZZ_INPUTS} hostile requests with the API's error body or JSON, never a 500, and still serves calls`, async () => {
    const seed = fuzzSeed();
    const plans = fc.sample(restRequest, { seed, numRuns: FUZZ_INPUTS });
    const tally = new FuzzTally();
    const statusOf = new Map<string, number>();
    const serverErrorExamples: string[] = [];
    const started = Date.now();

    await eachLimited(plans, CONCURRENCY, async (plan, index) => {
      const request: HttpExchange = {
        method: plan.method,
        path: plan.path,
        headers: Object.fromEntries(
          Object.entries(plan.headers).map(([name, value]) => [
            name,
            value.replaceAll('{port}', String(service.port)),
          ]),
        ),
        ...(plan.body === undefined ? {} : { body: plan.body }),
        chunked: plan.chunked,
      };
      const label = `#${index} ${plan.method} ${plan.path.slice(0, 200)}${plan.path.length > 200 ? `… (${plan.path.length})` : ''} headers=${JSON.stringify(
        Object.fromEntries(Object.entries(plan.headers).map(([name, value]) => [name, value.slice(0, 60)])),
      )}${plan.chunked ? ' chunked' : ''} body=${plan.body ? describeBytes(plan.body) : 'none'}`;
      let outcome = await exchange(agent, service.port, request, DEADLINE_MS, label);
      if (outcome.kind === 'reset' && outcome.previous !== undefined) {
        // A pooled connection the server closed after the previous request: once more on a new one.
        tally.add('retried on a new connection');
        tally.add(`closed after: ${statusOf.get(outcome.previous) ?? 'no answer'}`);
        outcome = await exchange(false, service.port, request, DEADLINE_MS, label);
      }
      if (outcome.kind === 'hang') {
        tally.add('hangs');
        return tally.fail(`${plan.route}: no answer within ${DEADLINE_MS} ms`, label);
      }
      if (outcome.kind === 'reset') {
        if (outcome.error.startsWith('client refused')) return tally.add('not sendable');
        if ((plan.body?.length ?? 0) > BODY_LIMIT) return tally.add('oversized bodies cut off');
        tally.add('resets');
        // A HEAD answered with a body (the HTTP layer's 431 has one) leaves bytes Node cannot parse.
        const cause =
          plan.method === 'HEAD' && outcome.error.startsWith('Parse Error')
            ? 'a HEAD answered with a body? '
            : '';
        return tally.fail(`${cause}the connection ended without an answer (${outcome.error})`, label);
      }
      const { status, headers, body } = outcome.answer;
      statusOf.set(label, status);
      tally.add(`status ${status}`);
      // Even a well-formed 500 is worth a look: it names a route an input breaks.
      if (status >= 500) {
        tally.add(`${status} from ${plan.route}`);
        if (serverErrorExamples.length < 5) serverErrorExamples.push(`${label} → ${describeBytes(body)}`);
      }
      const verdict = judge(plan, outcome.answer);
      tally.add(verdict.kind === 'error' ? 'errors' : 'results');
      if (verdict.problem)
        tally.fail(
          verdict.problem,
          `${label}\n      → ${status} ${String(headers['content-type'])} ${describeBytes(body)}`,
        );
    });

    const crashes = service.running() ? 0 : 1;
    const statuses = [...tally.counts]
      .filter(([name]) => name.startsWith('status '))
      .map(([name, count]) => `${name.slice(7)}×${count}`);
    console.log(
      `fuzz REST: ${plans.length} inputs, ${tally.get('errors')} error answers, ${tally.get('results')} results, ` +
        `${crashes} crashes, ${tally.get('hangs')} hangs, seed=${seed} ` +
        `(${tally.get('resets')} connections ended unanswered, ${tally.get('oversized bodies cut off')} oversized bodies cut off, ` +
        `${tally.get('not sendable')} not sendable by the client, ${tally.get('retried on a new connection')} retried ` +
        `on a new connection [${[...tally.counts]
          .filter(([name]) => name.startsWith('closed after'))
          .map(([name, count]) => `${name}×${count}`)
          .join(', ')}]; ` +
        `statuses ${statuses.join(' ')}; ${ENTRY}; ${Math.round((Date.now() - started) / 1000)} s)`,
    );
    const serverErrors = [...tally.counts].filter(([name]) => /^5\d\d from /.test(name));
    console.log(
      `fuzz REST: 5xx by route: ${serverErrors.map(([name, count]) => `${count}× ${name}`).join('; ') || 'none'}`,
    );
    if (serverErrorExamples.length > 0)
      console.log(`fuzz REST: 5xx examples:\n  ${serverErrorExamples.join('\n  ')}`);
    console.log(`fuzz REST: error logs of the bridge: ${describeErrorLogs(service.errorLogs())}`);
    if (tally.failureCount > 0) console.log(`fuzz REST failures (seed=${seed}):\n${tally.failureReport()}`);

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
    expect(tally.get('results')).toBeGreaterThan(500);
    expect(tally.get('errors')).toBeGreaterThan(1000);

    // The bridge still serves: health, the catalog and a tool call.
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    const tools = (await (await fetch(`${service.url}/v1/tools`, { headers: auth })).json()) as {
      tools: Array<{ name: string }>;
    };
    expect(tools.tools.map((tool) => tool.name)).toContain('memory__read_graph');
    const call = await fetch(`${service.url}/v1/tools/memory__read_graph/call`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ arguments: {} }),
    });
    expect(call.status).toBe(200);
    const { result } = (await call.json()) as { result: { isError?: boolean; structuredContent?: unknown } };
    expect(result.isError ?? false).toBe(false);
    expect(result.structuredContent).toMatchObject({
      entities: expect.any(Array),
      relations: expect.any(Array),
    });
    expect(service.running()).toBe(true);
  }, 240_000);

  it('answers or closes a stalled body or header within the request timeout', async (context) => {
    if (!limitsApplied) {
      console.log(`fuzz REST slow bodies: skipped, ${ENTRY} has no api.limits.requestTimeoutMs`);
      context.skip();
    }
    const host = `127.0.0.1:${service.port}`;
    const head = (line: string, extra: string) =>
      `${line} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${FUZZ_KEY}\r\nContent-Type: application/json\r\n${extra}\r\n`;
    const cases = {
      'a tool call whose body stops': [
        head('POST /v1/tools/memory__read_graph/call', 'Content-Length: 1000\r\n') + '{"argum',
        [],
      ],
      'a task whose chunked body stops': [
        head('POST /v1/tasks', 'Transfer-Encoding: chunked\r\n') + '4\r\n{"ag\r\n',
        [],
      ],
      'an approval dribbled a byte at a time': [
        head('POST /v1/runs/x/approve', 'Content-Length: 1000\r\n'),
        Array.from({ length: 40 }, () => ' '),
      ],
      'headers that never end': [`GET /v1/tools HTTP/1.1\r\nHost: ${host}\r\n`, []],
    } satisfies Record<string, [string, string[]]>;
    const outcomes = await Promise.all(
      Object.entries(cases).map(async ([name, [start, parts]]) => ({
        name,
        outcome: await stalledRequest(service.port, start, parts, {
          everyMs: 250,
          deadlineMs: REQUEST_TIMEOUT_MS + 3000,
        }),
      })),
    );
    console.log(
      `fuzz REST slow bodies: ${outcomes.map(({ name, outcome }) => `${name}: ${JSON.stringify(outcome)}`).join('; ')}`,
    );
    for (const { name, outcome } of outcomes) {
      expect(outcome.kind, `${name}: ${JSON.stringify(outcome)}`).not.toBe('hang');
      if (outcome.kind === 'answered') expect(outcome.status, name).toBeGreaterThanOrEqual(400);
    }
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    expect(service.running()).toBe(true);
  }, 60_000);
});

/**
 * What the issue allows: the API's error body with a status ≥ 400 (no bare 500), or a 2xx with JSON
 * (or the root's redirect to the console).
 */
function judge(plan: RestPlan, answer: HttpAnswer): { kind: 'error' | 'result'; problem?: string } {
  const { status } = answer;
  const contentType = String(answer.headers['content-type'] ?? '');
  if (status >= 400) {
    if (plan.method === 'HEAD') return { kind: 'error' };
    const body = parseJson(answer.body);
    if (apiErrorProblem(body))
      return { kind: 'error', problem: `${status} answered with ${bodySignature(answer.body)}` };
    const error = (body as { error: { code: string; message: string; details?: Record<string, unknown> } })
      .error;
    if (status === 500) {
      // Allowed only as a generic message with a request id to find the log line by.
      const requestId = answer.headers['x-request-id'] ?? error.details?.requestId;
      const generic = /^internal (server )?error/i.test(error.message) && error.message.length < 200;
      if (!generic || requestId === undefined)
        return { kind: 'error', problem: `${plan.route}: 500 ${error.code}: ${error.message.slice(0, 100)}` };
    }
    return { kind: 'error' };
  }
  // The root sends a person to the web console (app/api/console-routes.ts), whatever else the
  // request carried; any other redirect is a problem.
  if (status === 302 && answer.headers.location === '/console/') return { kind: 'result' };
  if (status < 200 || status >= 300) return { kind: 'result', problem: `status ${status}` };
  if (plan.method === 'HEAD' || status === 204) return { kind: 'result' };
  if (contentType.startsWith('application/json')) {
    return parseJson(answer.body) === undefined
      ? { kind: 'result', problem: `${status} with a body that is not JSON` }
      : { kind: 'result' };
  }
  return { kind: 'result', problem: `${status} with content-type ${contentType}` };
}
