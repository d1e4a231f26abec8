import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../../app/api/create-api.js';
import type { ServerFrame } from '../../../../app/api/event-frames.js';
import { TaskService } from '../../../../bridge/tasks/task-service.js';
import { InlineTaskQueue } from '../../../../runtime/queue/inline-task-queue.js';
import { createRunTaskHandler } from '../../../../runtime/queue/run-task-handler.js';
import { gatedAgent } from '../../../support/actor-test-kit.js';
import { openRunStack, type RunStack } from '../../../support/run-stack.js';
import { type ApiHarness, bearer, createApiHarness, recordingSql } from './api-harness.js';
import { connectEvents, type EventsClient } from './events-client.js';
import { type Json, taskApiCaller, untilTask } from './task-api.js';

// The runs / approvals topics of GET /v1/events over a real TaskService (PGlite run store, run
// supervisor, inline queue, a real MCP test server behind the agent's tools): what each key's
// scopes let it see of run events, approve / reject frames, and the per-socket run filter cap.
// The `gated` agent calls counter_add {by}, then waits for an approval, then calls lookup.

// Random, so that they pass the key-strength check.
const ADMIN = randomBytes(24).toString('hex');
const CALLER = randomBytes(24).toString('hex');
const READER = randomBytes(24).toString('hex');

let harness: ApiHarness;
let stack: RunStack;
let queue: InlineTaskQueue;
let tasks: TaskService;
let api: FastifyInstance;
let wsUrl: string;
/** Run-event listeners the API holds on the task service now. */
let liveRunListeners = 0;

beforeAll(async () => {
  harness = await createApiHarness();
  stack = await openRunStack([gatedAgent()]);
  queue = new InlineTaskQueue();
  queue.process(createRunTaskHandler(stack.supervisor), { concurrency: 4 });
  tasks = new TaskService(queue, stack.supervisor);
  const subscribe = tasks.subscribe.bind(tasks);
  tasks.subscribe = (listener, filter) => {
    liveRunListeners += 1;
    const off = subscribe(listener, filter);
    return () => {
      liveRunListeners -= 1;
      off();
    };
  };
  api = await createApi({
    catalog: harness.catalog,
    fleet: harness.fleet,
    sql: recordingSql(),
    tasks,
    options: {
      keys: [
        { name: 'ops', key: ADMIN, scopes: ['read', 'call', 'admin'] },
        { name: 'app', key: CALLER, scopes: ['read', 'call'] },
        { name: 'viewer', key: READER, scopes: ['read'] },
      ],
      // `by` stands for a secret argument: counter_add's only one.
      redact: ['*token*', 'by'],
      limits: { subscriptionsPerSocket: 4 },
    },
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  wsUrl = `ws://127.0.0.1:${(api.server.address() as AddressInfo).port}/v1/events`;
}, 120_000);

afterAll(async () => {
  await api?.close();
  await queue?.close();
  await stack?.close();
  await harness?.close();
});

const call = taskApiCaller(() => api, ADMIN);

/** The sockets a test opened, closed after it whether it passed or not. */
const opened: EventsClient[] = [];
afterEach(async () => {
  const clients = opened.splice(0);
  for (const client of clients) client.socket.close();
  await Promise.all(clients.map((client) => client.closed));
});

async function connect(key: string): Promise<EventsClient> {
  const client = await connectEvents(wsUrl, bearer(key), 60_000);
  opened.push(client);
  return client;
}

/** Submits a `gated` run and waits until it waits for its approval. */
async function parkedRun(by = 3): Promise<string> {
  const { body } = await call('POST', '/v1/tasks', CALLER, { agent: 'gated', input: { by } });
  const runId = body.runId as string;
  await untilTask(call, runId, (task) => task.status, 'awaiting_approval');
  return runId;
}

const runEvent = (client: EventsClient, runId: string, type: string) =>
  client.next(
    (f) => f.type === 'event' && f.topic === 'runs' && f.event.runId === runId && f.event.type === type,
  );

const dataOf = (frame: ServerFrame): Json =>
  frame.type === 'event' && 'data' in frame.event ? frame.event.data : {};

async function pendingApprovals(runId: string): Promise<Json[]> {
  return (await call('GET', `/v1/approvals?state=pending&runId=${encodeURIComponent(runId)}`, READER)).body
    .approvals as Json[];
}

describe('run events over the events WebSocket', { timeout: 120_000 }, () => {
  it('sends a read key redacted arguments and no previews, and a call key the previews too', async () => {
    const viewer = await connect(READER);
    const app = await connect(CALLER);
    for (const client of [viewer, app])
      expect(await client.request({ type: 'subscribe', topics: ['runs'], agent: 'gated' })).toMatchObject({
        type: 'subscribed',
        agent: 'gated',
      });
    const runId = await parkedRun(7);

    for (const client of [viewer, app]) {
      const started = await runEvent(client, runId, 'tool_call_started');
      expect(dataOf(started)).toEqual({ key: 'add-1', tool: 'counter_add', arguments: { by: '[redacted]' } });
    }
    const seenByViewer = dataOf(await runEvent(viewer, runId, 'tool_call_finished'));
    const seenByApp = dataOf(await runEvent(app, runId, 'tool_call_finished'));
    expect(seenByViewer).toMatchObject({ key: 'add-1', tool: 'counter_add', isError: false });
    expect(seenByViewer).not.toHaveProperty('preview');
    expect(seenByApp).toMatchObject({ key: 'add-1', preview: 'added 7' });

    await call('POST', `/v1/runs/${runId}/reject`, ADMIN, {});
  });

  it('refuses an approve frame from a key without admin, and the approval stays pending', async () => {
    const runId = await parkedRun();
    const app = await connect(CALLER);
    expect(await app.request({ type: 'approve', runId, reason: 'trust me' })).toEqual({
      type: 'error',
      code: 'forbidden',
      message: "API key 'app' lacks the 'admin' scope",
    });
    expect(await app.request({ type: 'reject', runId })).toMatchObject({ code: 'forbidden' });
    expect(await pendingApprovals(runId)).toHaveLength(1);
    await call('POST', `/v1/runs/${runId}/reject`, ADMIN, {});
  });

  it('decides the approval on an admin key’s approve frame, in the key’s name, and the run goes on', async () => {
    const runId = await parkedRun();
    const ops = await connect(ADMIN);
    const decided = await ops.request({ type: 'approve', runId, reason: 'looks right' });
    expect(decided).toEqual({
      type: 'decided',
      runId,
      approval: { id: expect.any(String), state: 'approved', decidedBy: 'ops', reason: 'looks right' },
    });
    expect(await pendingApprovals(runId)).toEqual([]);
    const [approval] = (await call('GET', `/v1/approvals?runId=${encodeURIComponent(runId)}`, READER)).body
      .approvals as Json[];
    expect(approval).toMatchObject({ state: 'approved', decidedBy: 'ops', reason: 'looks right' });
    await untilTask(call, runId, (task) => task.status, 'completed');
  });

  it('rejects on an admin key’s reject frame, and the run fails', async () => {
    const runId = await parkedRun();
    const ops = await connect(ADMIN);
    expect(await ops.request({ type: 'reject', runId })).toMatchObject({
      type: 'decided',
      approval: { state: 'rejected', decidedBy: 'ops' },
    });
    await untilTask(call, runId, (task) => task.status, 'failed');
  });

  it('answers not_found for an unknown run and run_state_invalid for a run with nothing pending', async () => {
    const ops = await connect(ADMIN);
    expect(await ops.request({ type: 'approve', runId: 'no-such-run' })).toMatchObject({
      type: 'error',
      code: 'not_found',
    });
    const runId = await parkedRun();
    await call('POST', `/v1/runs/${runId}/approve`, ADMIN, {});
    const conflict = await ops.request({ type: 'reject', runId });
    expect(conflict).toMatchObject({ type: 'error', code: 'run_state_invalid' });
    expect(conflict.type === 'error' && conflict.message).toMatch(/no pending approval/);
  });

  it('counts each run filter once against subscriptionsPerSocket and echoes only the frame’s filter', async () => {
    const viewer = await connect(READER);
    expect(await viewer.request({ type: 'subscribe', topics: ['runs'], runId: 'r1' })).toEqual({
      type: 'subscribed',
      topics: ['runs'],
      runId: 'r1',
      added: 1,
      subscriptions: 1,
    });
    expect(await viewer.request({ type: 'subscribe', topics: ['runs', 'approvals'], runId: 'r2' })).toEqual({
      type: 'subscribed',
      topics: ['runs', 'approvals'],
      runId: 'r2',
      added: 2,
      subscriptions: 3,
    });
    expect(await viewer.request({ type: 'subscribe', topics: ['runs'], runId: 'r1' })).toMatchObject({
      added: 0,
      subscriptions: 3,
    });
    const refused = await viewer.request({ type: 'subscribe', topics: ['runs', 'approvals'], runId: 'r3' });
    expect(refused).toMatchObject({ type: 'error', code: 'limit_exceeded' });
    expect(refused.type === 'error' && refused.message).toMatch(/at most 4 subscriptions/);
    expect(await viewer.request({ type: 'subscribe', topics: ['approvals'], runId: 'r3' })).toMatchObject({
      added: 1,
      subscriptions: 4,
    });
    expect(await viewer.request({ type: 'unsubscribe', topics: ['runs'] })).toEqual({
      type: 'unsubscribed',
      topics: ['runs'],
      removed: 2,
      subscriptions: 2,
    });
  });

  it('stops listening to run events when a socket closes', async () => {
    // The sockets of the tests before are closed (afterEach); the server may still be closing them.
    await expect.poll(() => liveRunListeners).toBe(0);
    const viewer = await connect(READER);
    await viewer.request({ type: 'subscribe', topics: ['runs', 'approvals'], agent: 'gated' });
    await viewer.request({ type: 'subscribe', topics: ['runs'], runId: 'r1' });
    expect(liveRunListeners).toBe(3);
    viewer.socket.close();
    await expect.poll(() => liveRunListeners).toBe(0);
  });
});
