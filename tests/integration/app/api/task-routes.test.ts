import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../../../app/api/event-frames.js';
import { TaskService } from '../../../../bridge/tasks/task-service.js';
import { createTaskTools } from '../../../../bridge/tasks/task-tools.js';
import { mcpCallerOf } from '../../../../app/api/mcp-mount.js';
import {
  createFrontHttpHandler,
  type FrontHttpHandler,
} from '../../../../bridge/front/front-http-handler.js';
import { FrontHub } from '../../../../bridge/front/front-hub.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { InlineTaskQueue } from '../../../../runtime/queue/inline-task-queue.js';
import { createRunTaskHandler } from '../../../../runtime/queue/run-task-handler.js';
import { gatedAgent } from '../../../support/actor-test-kit.js';
import { gatedSlowAgent, openRunStack, type RunStack } from '../../../support/run-stack.js';
import { type ApiHarness, bearer, createApiHarness } from './api-harness.js';
import { connectEvents } from './events-client.js';
import { createTaskApi, type Json, taskApiCaller, untilTask } from './task-api.js';

// The task, run, approval and agent routes and the runs / approvals event topics, on a listening
// API over a real TaskService: PGlite run store, run supervisor, inline queue with a worker, and
// a real MCP test server behind the agents' tools.

const ADMIN = '448b9c14eba1869732249bc491bf68beda79be9066f925a4';
const CALLER = '824e9895d7ebe28307e415b5ce4853a7f5efe43f7a092962';
const READER = '6ec4370c5bb7bdfacb0382e5d1446bf42d9636c8eabbd620';

let harness: ApiHarness;
let stack: RunStack;
let kit: RunStack['kit'];
let queue: InlineTaskQueue;
let api: FastifyInstance;
let wsUrl: string;
let mcpUrl: URL;
let front: FrontHttpHandler;

beforeAll(async () => {
  harness = await createApiHarness();
  // `gated-slow` calls `slow` first, which waits until it is cancelled.
  stack = await openRunStack([gatedAgent(), gatedSlowAgent()]);
  kit = stack.kit;
  queue = new InlineTaskQueue();
  queue.process(createRunTaskHandler(stack.supervisor), { concurrency: 4 });
  const tasks = new TaskService(queue, stack.supervisor);
  // The task tools on the catalog, as every bridge has them: runs__approve is reachable as a tool.
  harness.catalog.addLocalTools(createTaskTools(tasks));
  // /mcp as switchyard start mounts it, over the same catalog.
  front = createFrontHttpHandler({
    catalog: harness.catalog,
    hub: new FrontHub(),
    callerOf: mcpCallerOf(true),
  });
  api = await createTaskApi(harness, tasks, { admin: ADMIN, caller: CALLER, reader: READER }, front);
  await api.listen({ host: '127.0.0.1', port: 0 });
  const port = (api.server.address() as AddressInfo).port;
  wsUrl = `ws://127.0.0.1:${port}/v1/events`;
  mcpUrl = new URL(`http://127.0.0.1:${port}/mcp`);
}, 120_000);

afterAll(async () => {
  await front?.close();
  await api?.close();
  await queue?.close();
  await stack?.close();
  await harness?.close();
});

const call = taskApiCaller(() => api, ADMIN);

const submit = (spec: unknown, key = CALLER) => call('POST', '/v1/tasks', key, spec);

/** Polls GET /v1/tasks/{id} until the run's status is `status`. */
const untilStatus = (runId: string, status: string): Promise<Json> =>
  untilTask(call, runId, (body) => body.status, status);

/** A connected ws client that keeps every frame (each checked against the schema). */
async function connect(key = READER) {
  const { socket, frames, next } = await connectEvents(wsUrl, bearer(key), 60_000);
  const subscribe = async (frame: Json) => {
    const before = frames.length;
    socket.send(JSON.stringify({ type: 'subscribe', ...frame }));
    return next((f) => f.type === 'subscribed' && frames.indexOf(f) >= before);
  };
  return { socket, frames, next, subscribe };
}

const runEvents = (frames: ServerFrame[], topic: 'runs' | 'approvals', runId: string) =>
  frames.flatMap((f) =>
    f.type === 'event' && f.topic === topic && f.event.runId === runId ? [f.event] : [],
  );

describe('the task routes', { timeout: 120_000 }, () => {
  it('submit answers 202, the task parks for approval with its events, and approving completes it with result and cost', async () => {
    const submitted = await submit({ agent: 'gated', input: { by: 2 } });
    expect(submitted.status).toBe(202);
    expect(submitted.body).toMatchObject({ created: true, status: `/v1/tasks/${submitted.body.runId}` });
    expect(submitted.headers.location).toBe(submitted.body.status);
    const runId = submitted.body.runId as string;

    const parked = await untilStatus(runId, 'awaiting_approval');
    expect(parked.requestedBy).toBe('app');
    expect(parked.events.map((e: Json) => e.type)).toContain('approval_requested');
    expect(parked.events.map((e: Json) => e.seq)).toEqual(parked.events.map((_: Json, i: number) => i + 1));

    const pending = await call('GET', '/v1/approvals?state=pending', READER);
    expect(pending.status).toBe(200);
    expect(pending.body.approvals).toContainEqual(expect.objectContaining({ runId, state: 'pending' }));

    const approved = await call('POST', `/v1/runs/${runId}/approve`, ADMIN, { reason: 'looks right' });
    expect(approved.status).toBe(200);
    expect(approved.body.approval).toMatchObject({
      runId,
      state: 'approved',
      decidedBy: 'ops',
      reason: 'looks right',
    });

    const done = await untilStatus(runId, 'completed');
    expect(done.result).toEqual({ looked: 'value of x' });
    expect(done.cost).toMatchObject({ toolCalls: 2 });
    expect(kit.log.lookupCalls).toBeGreaterThanOrEqual(1);

    // afterSeq pages the event log.
    const last = done.events.at(-1).seq as number;
    const after = await call('GET', `/v1/tasks/${runId}?afterSeq=${last - 1}`, READER);
    expect(after.body.events.map((e: Json) => e.seq)).toEqual([last]);

    const completed = await call('GET', '/v1/runs?state=completed', READER);
    expect(completed.status).toBe(200);
    expect(completed.body.runs).toContainEqual(
      expect.objectContaining({ runId, status: 'completed', agent: 'gated' }),
    );
    const stillPending = await call('GET', '/v1/approvals?state=pending', READER);
    expect(stillPending.body.approvals.map((a: Json) => a.runId)).not.toContain(runId);
  });

  it('a second submit with the same idempotency key answers the same run, not created', async () => {
    const first = await submit({ agent: 'gated', input: { by: 1 }, idempotencyKey: 'api-order-9' });
    const second = await submit({ agent: 'gated', input: { by: 1 }, idempotencyKey: 'api-order-9' });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ runId: first.body.runId, created: false });
    await untilStatus(first.body.runId, 'awaiting_approval');
    expect(
      (await call('POST', `/v1/runs/${first.body.runId}/reject`, ADMIN, {})).body.approval,
    ).toMatchObject({
      state: 'rejected',
      decidedBy: 'ops',
    });
    await untilStatus(first.body.runId, 'failed');
  });

  it('a bad body is a 400 naming the field; an unknown agent or task a 404', async () => {
    const bad = await submit({ agent: 'gated', input: {}, attempts: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'attempts' } });
    expect(bad.body.error.message).toMatch(/attempts/);
    const misspelt = await submit({ agent: 'gated', input: {}, atempts: 2 });
    expect(misspelt.body.error.details.field).toBe('atempts');
    const impersonating = await submit({ agent: 'gated', input: {}, requestedBy: 'someone-else' });
    expect(impersonating.status).toBe(400);
    expect(impersonating.body.error.details.field).toBe('requestedBy');

    const unknown = await submit({ agent: 'nobody', input: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/agent 'nobody'/);
    expect((await call('GET', '/v1/tasks/no-such-run', READER)).status).toBe(404);
    expect((await call('DELETE', '/v1/tasks/no-such-run', CALLER)).status).toBe(404);
    expect((await call('POST', '/v1/runs/no-such-run/approve', ADMIN, {})).status).toBe(404);
    expect((await call('GET', '/v1/runs?state=sleeping', READER)).body.error.details.field).toMatch(/^state/);
  });

  it('approving a run with no pending approval is a 409', async () => {
    const [run] = (await call('GET', '/v1/runs?state=completed', READER)).body.runs as Json[];
    expect(run).toBeDefined();
    const reply = await call('POST', `/v1/runs/${run!.runId}/approve`, ADMIN, {});
    expect(reply.status).toBe(409);
    expect(reply.body.error.message).toMatch(/no pending approval/);
  });

  it('DELETE during a slow tool call cancels the run and the MCP server sees the call cancelled', async () => {
    const { body } = await submit({ agent: 'gated-slow', input: { by: 1 } });
    const runId = body.runId as string;
    await expect.poll(() => kit.log.slowStarted.length, { timeout: 60_000 }).toBeGreaterThan(0);
    const cancelled = await call('DELETE', `/v1/tasks/${runId}`, CALLER, { reason: 'changed my mind' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.runId).toBe(runId);
    await untilStatus(runId, 'cancelled');
    await expect.poll(() => kit.log.cancelled, { timeout: 30_000 }).toContain('a');
  });

  it('GET /v1/agents lists the agents', async () => {
    const reply = await call('GET', '/v1/agents', READER);
    expect(reply.status).toBe(200);
    expect(reply.body.agents.map((a: Json) => a.name).sort()).toEqual(['gated', 'gated-slow']);
    expect(reply.body.agents[0]).toMatchObject({ description: expect.any(String), version: '1' });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const { body } = await call('GET', '/openapi.json', READER);
    for (const path of [
      '/v1/tasks',
      '/v1/tasks/{id}',
      '/v1/runs/{id}/approve',
      '/v1/approvals',
      '/v1/agents',
      '/v1/runs',
    ])
      expect(Object.keys(body.paths)).toContain(path);
    expect(
      body.paths['/v1/tasks'].post.requestBody.content['application/json'].schema.properties,
    ).toHaveProperty('idempotencyKey');
  });

  it('enforces scopes: read cannot submit or cancel, call cannot approve', async () => {
    const submitted = await submit({ agent: 'gated', input: { by: 1 } }, READER);
    expect(submitted.status).toBe(403);
    expect(submitted.body.error.message).toMatch(/'call' scope/);
    expect((await call('DELETE', '/v1/tasks/any', READER)).status).toBe(403);
    const approve = await call('POST', '/v1/runs/any/approve', CALLER, {});
    expect(approve.status).toBe(403);
    expect(approve.body.error.message).toMatch(/'admin' scope/);
    expect((await api.inject({ method: 'GET', url: '/v1/agents' })).statusCode).toBe(401);
  });

  // Regression (issue 13): a read+call key approved runs through POST /v1/tools/runs__approve/call,
  // and the decision was recorded as `mcp`.
  it('a call key cannot decide an approval through the tool route either; an admin key can, and is named', async () => {
    const { body } = await submit({ agent: 'gated', input: { by: 3 } });
    const runId = body.runId as string;
    await untilStatus(runId, 'awaiting_approval');
    for (const tool of ['runs__approve', 'runs__reject']) {
      const refused = await call('POST', `/v1/tools/${tool}/call`, CALLER, { arguments: { runId } });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({
        code: 'forbidden',
        message: expect.stringMatching(/'admin' scope/),
      });
    }
    const pending = await call('GET', `/v1/approvals?runId=${runId}`, READER);
    expect(pending.body.approvals).toMatchObject([{ state: 'pending' }]);

    const approved = await call('POST', '/v1/tools/runs__approve/call', ADMIN, {
      arguments: { runId, reason: 'checked' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.result.structuredContent).toMatchObject({ state: 'approved', decidedBy: 'ops' });
    const done = await untilStatus(runId, 'completed');
    expect(done.events.find((e: Json) => e.type === 'approval_decided').data).toMatchObject({
      decidedBy: 'ops',
    });
  });

  // Regression (issue 13): the same approval over /mcp with a call key, and over REST from a
  // rebound name (DNS rebinding) or another site's page, is refused, and the run stays pending.
  it('refuses a decision over /mcp with a call key, and from a foreign Host or Origin; admin over /mcp decides', async () => {
    const { body } = await submit({ agent: 'gated', input: { by: 5 } });
    const runId = body.runId as string;
    await untilStatus(runId, 'awaiting_approval');
    const mcp = async (key: string) => {
      const client = new Client({ name: 'desk', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(mcpUrl, { requestInit: { headers: bearer(key) } }),
      );
      return client;
    };
    const desk = await mcp(CALLER);
    try {
      const refused = await desk.callTool({ name: 'runs__approve', arguments: { runId } });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toMatch(/'admin' scope.*'app'/);
    } finally {
      await desk.close();
    }
    const rebound = await api.inject({
      method: 'POST',
      url: `/v1/runs/${runId}/approve`,
      headers: { ...bearer(ADMIN), host: 'evil.example:7400' },
      payload: {},
    });
    expect(rebound.statusCode).toBe(421);
    const crossSite = await api.inject({
      method: 'POST',
      url: `/v1/runs/${runId}/approve`,
      headers: { ...bearer(ADMIN), host: '127.0.0.1:7400', origin: 'http://evil.example' },
      payload: {},
    });
    expect(crossSite.statusCode).toBe(403);
    expect((await call('GET', `/v1/approvals?runId=${runId}`, READER)).body.approvals).toMatchObject([
      { state: 'pending' },
    ]);

    const ops = await mcp(ADMIN);
    try {
      const approved = await ops.callTool({ name: 'runs__approve', arguments: { runId } });
      expect(approved.isError).toBeFalsy();
      expect(approved.structuredContent).toMatchObject({ state: 'approved', decidedBy: 'ops' });
    } finally {
      await ops.close();
    }
    await untilStatus(runId, 'completed');
  });

  it('the runs topic sends a run’s events in order; the approvals topic sends approval_requested', async () => {
    const byAgent = await connect();
    const approvals = await connect();
    expect((await byAgent.subscribe({ topics: ['runs'], agent: 'gated' })).type).toBe('subscribed');
    await approvals.subscribe({ topics: ['approvals'] });

    const { body } = await submit({ agent: 'gated', input: { by: 4 } });
    const runId = body.runId as string;
    const requested = await approvals.next(
      (f) => f.type === 'event' && f.topic === 'approvals' && f.event.runId === runId,
    );
    expect(requested).toMatchObject({
      event: { type: 'approval_requested', agent: 'gated', data: { what: 'finish' } },
    });

    // A second socket follows this run only, from the approval on.
    await untilStatus(runId, 'awaiting_approval');
    const byRun = await connect();
    const ack = await byRun.subscribe({ topics: ['runs'], runId });
    expect(ack).toEqual({ type: 'subscribed', topics: ['runs'], runId, added: 1, subscriptions: 1 });
    await call('POST', `/v1/runs/${runId}/approve`, ADMIN, {});
    const isDone = (f: ServerFrame) =>
      f.type === 'event' && f.topic === 'runs' && f.event.runId === runId && f.event.type === 'run_completed';
    await byAgent.next(isDone);
    await byRun.next(isDone);

    const stored = (await call('GET', `/v1/tasks/${runId}`, READER)).body.events as Json[];
    const live = runEvents(byAgent.frames, 'runs', runId);
    // Everything the run emitted, in order, as stored.
    expect(live.map((e) => [e.seq, e.type])).toEqual(
      stored.map((e) => [e.seq, e.type]).slice(0, live.length),
    );
    expect(live.map((e) => e.seq)).toEqual(live.map((_, i) => i + 1));
    const followed = runEvents(byRun.frames, 'runs', runId);
    expect(followed[0]!.type).toBe('approval_decided');
    expect(followed.map((e) => e.seq)).toEqual(followed.map((_, i) => followed[0]!.seq + i));
    await approvals.next(
      (f) =>
        f.type === 'event' &&
        f.topic === 'approvals' &&
        f.event.runId === runId &&
        f.event.type === 'approval_decided',
    );
    // The approvals topic carries nothing but approval events.
    expect(runEvents(approvals.frames, 'approvals', runId).map((e) => e.type)).toEqual([
      'approval_requested',
      'approval_decided',
    ]);
    for (const client of [byAgent, approvals, byRun]) client.socket.close();
  });

  it('rejects runId on a frame without a run topic', async () => {
    const client = await connect();
    client.socket.send(JSON.stringify({ type: 'subscribe', topics: ['tools'], runId: 'x' }));
    const error = await client.next((f) => f.type === 'error');
    expect(error).toMatchObject({ message: expect.stringMatching(/runId and agent narrow only/) });
    client.socket.close();
  });
});
