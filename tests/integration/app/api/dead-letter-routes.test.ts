import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TaskService } from '../../../../bridge/tasks/task-service.js';
import { InlineTaskQueue } from '../../../../runtime/queue/inline-task-queue.js';
import { createRunTaskHandler } from '../../../../runtime/queue/run-task-handler.js';
import type { TaskWorker } from '../../../../runtime/queue/task-queue.js';
import { gatedAgent } from '../../../support/actor-test-kit.js';
import { brokenAgent, gatedSlowAgent, openRunStack, type RunStack } from '../../../support/run-stack.js';
import { type CliRun, runSwitchyard } from '../../../support/switchyard-cli.js';
import { type ApiHarness, createApiHarness } from './api-harness.js';
import { createTaskApi, type Json, taskApiCaller, untilTask } from './task-api.js';

// Dead letters through the fronts: GET /v1/tasks/failed, POST /v1/tasks/{id}/retry, and the CLI's
// `tasks failed` and `retry` against the listening API. A real TaskService over a PGlite run
// store, a run supervisor and the inline queue, with three kinds of dead letter made for real:
// - `broken` calls a tool no server has: its run ends failed, every attempt sees that run again;
// - `gated` is first taken by a worker whose supervisor does not define it (a worker on an older
//   deploy): every attempt fails before a run starts;
// - `gated-slow` with timeoutMs: its attempt times out while the run waits in a slow tool call,
//   the run itself still live and not final.

const CALLER = '25ab1a2ee1be783b82bd354bd482217c4dac863fb21c46e1';
const READER = 'cc5d0745e858cc6e59c805d807ff97c413b840cab1c30be0';
const ADMIN = 'c5e2e2234553a9fe5d86b4e78a14f4cb29ba29ffe9f3a458';

let harness: ApiHarness;
let stack: RunStack;
let kit: RunStack['kit'];
let queue: InlineTaskQueue;
let staleWorker: TaskWorker;
let api: FastifyInstance;
let url: string;
let dir: string;

/** The dead letters made before the tests: a failed run, and two tasks whose run never started. */
const dead = { failedRun: '', notStarted: '', notStartedForCli: '' };

const call = taskApiCaller(() => api, CALLER);

const submit = async (spec: Json): Promise<string> => {
  const reply = await call('POST', '/v1/tasks', CALLER, spec);
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  return reply.body.runId as string;
};

/** Polls GET /v1/tasks/{id} until `pick` of its body is `value`. */
const until = (runId: string, pick: (body: Json) => unknown, value: unknown): Promise<Json> =>
  untilTask(call, runId, pick, value, READER);

/** The CLI from source, as a user runs the built one, against the listening API. */
const switchyard = (args: string[], key = CALLER): Promise<CliRun> =>
  runSwitchyard([...args, '--url', url, '--key', key], dir);

const quick = { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-dead-letters-'));
  harness = await createApiHarness();
  stack = await openRunStack([gatedAgent(), gatedSlowAgent(), brokenAgent()]);
  kit = stack.kit;
  const { supervisor } = stack;
  // Defines no agent at all: the worker of an older deploy that has not heard of `gated`.
  const stale = stack.staleSupervisor();
  queue = new InlineTaskQueue();
  queue.process(createRunTaskHandler(supervisor), { agents: ['broken', 'gated-slow'], concurrency: 4 });
  staleWorker = queue.process(createRunTaskHandler(stale), { agents: ['gated'] });
  api = await createTaskApi(harness, new TaskService(queue, supervisor), {
    admin: ADMIN,
    caller: CALLER,
    reader: READER,
  });
  url = await api.listen({ host: '127.0.0.1', port: 0 });

  dead.failedRun = await submit({ agent: 'broken', input: { by: 1 }, ...quick });
  dead.notStarted = await submit({ agent: 'gated', input: { by: 2 }, ...quick });
  dead.notStartedForCli = await submit({ agent: 'gated', input: { by: 3 }, ...quick });
  for (const runId of Object.values(dead))
    await vi.waitFor(
      async () => expect((await call('GET', `/v1/tasks/${runId}`, READER)).body.state).toBe('failed'),
      { timeout: 60_000, interval: 50 },
    );
  // The stale worker goes; one that defines `gated` takes its place.
  await staleWorker.close();
  queue.process(createRunTaskHandler(supervisor), { agents: ['gated'] });
}, 120_000);

afterAll(async () => {
  kit?.releaseSlow();
  await api?.close();
  await queue?.close();
  await stack?.close();
  await harness?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dead letters over HTTP', { timeout: 120_000 }, () => {
  it('GET /v1/tasks/failed lists each dead letter with its reason, attempts and its run when one started', async () => {
    const reply = await call('GET', '/v1/tasks/failed', READER);
    expect(reply.status).toBe(200);
    const byId = new Map((reply.body.tasks as Json[]).map((task) => [task.runId, task]));
    expect(byId.get(dead.failedRun)).toMatchObject({
      agent: 'broken',
      attemptsMade: 1, // a run that ended failed is not retried
      failedReason: expect.stringMatching(new RegExp(`run '${dead.failedRun}' failed`)),
      status: 'failed',
      error: { code: expect.any(String), message: expect.any(String) },
      submittedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      finishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(byId.get(dead.notStarted)).toMatchObject({
      agent: 'gated',
      attemptsMade: 2,
      failedReason: "agent 'gated' does not exist",
      // Accepted as a run before it was queued: the run waits, queued, for a worker that has its agent.
      status: 'queued',
      error: null,
    });
    // Newest first: the three were failed in the order they were submitted.
    expect([...byId.keys()].slice(0, 3).reverse()).toEqual([
      dead.failedRun,
      dead.notStarted,
      dead.notStartedForCli,
    ]);
  });

  it('limit bounds the listing; a limit outside 1..1000 or an unknown parameter is a 400', async () => {
    const one = await call('GET', '/v1/tasks/failed?limit=1', READER);
    expect(one.status).toBe(200);
    expect(one.body.tasks).toHaveLength(1);
    for (const query of ['limit=0', 'limit=1001', 'limit=ten', 'state=failed']) {
      const bad = await call('GET', `/v1/tasks/failed?${query}`, READER);
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
      expect(bad.body.error.details.field, query).toBe(query.split('=')[0]);
    }
  });

  it('retrying a task whose run ended failed is a 409 naming the run’s error and saying to submit again', async () => {
    const run = (await call('GET', `/v1/tasks/${dead.failedRun}`, READER)).body;
    expect(run.status).toBe('failed');
    const reply = await call('POST', `/v1/tasks/${dead.failedRun}/retry`);
    expect(reply.status).toBe(409);
    expect(reply.body.error.code).toBe('conflict');
    expect(reply.body.error.message).toContain(`run '${dead.failedRun}' failed (${run.error.code}: `);
    expect(reply.body.error.message).toContain(run.error.message);
    expect(reply.body.error.message).toMatch(/submit the task again \(POST \/v1\/tasks\)/);
    expect(reply.body.error.details).toMatchObject({ runStatus: 'failed', runError: run.error });
    // Refused, so still a dead letter.
    expect((await call('GET', `/v1/tasks/${dead.failedRun}`, READER)).body.state).toBe('failed');
  });

  it('retrying a task that failed before its run started answers 202 and the run goes to completion', async () => {
    const reply = await call('POST', `/v1/tasks/${dead.notStarted}/retry`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    expect(reply.body).toMatchObject({ runId: dead.notStarted, agent: 'gated', error: null });
    expect(['waiting', 'active', 'completed']).toContain(reply.body.state);

    await until(dead.notStarted, (body) => body.status, 'awaiting_approval');
    const approved = await call('POST', `/v1/runs/${dead.notStarted}/approve`, ADMIN, {});
    expect(approved.status).toBe(200);
    const done = await until(dead.notStarted, (body) => body.status, 'completed');
    expect(done.result).toEqual({ looked: 'value of x' });
    expect(done.requestedBy).toBe('app');

    const listed = (await call('GET', '/v1/tasks/failed', READER)).body.tasks as Json[];
    expect(listed.map((task) => task.runId)).not.toContain(dead.notStarted);
    // No longer a dead letter: a second retry is refused.
    const again = await call('POST', `/v1/tasks/${dead.notStarted}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/is completed, not a dead letter/);
  });

  it('retrying a task whose attempt timed out while its run went on resumes that run', async () => {
    const runId = await submit({ agent: 'gated-slow', input: { by: 1 }, timeoutMs: 1_000, attempts: 1 });
    const timedOut = await until(runId, (body) => body.state, 'failed');
    expect(timedOut.error).toMatchObject({ message: expect.stringMatching(/timed out after 1000 ms/) });
    expect(timedOut.status).toBe('running');
    const listed = ((await call('GET', '/v1/tasks/failed', READER)).body.tasks as Json[]).find(
      (task) => task.runId === runId,
    );
    expect(listed).toMatchObject({ status: 'running', failedReason: expect.stringMatching(/timed out/) });

    // The slow call ends; the run (not final) moves on to its approval.
    kit.releaseSlow();
    await until(runId, (body) => body.status, 'awaiting_approval');
    const reply = await call('POST', `/v1/tasks/${runId}/retry`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    // The new attempt takes the run over and ends when it rests for approval.
    await until(runId, (body) => body.state, 'completed');
    await call('POST', `/v1/runs/${runId}/approve`, ADMIN, {});
    const done = await until(runId, (body) => body.status, 'completed');
    expect(done.result).toEqual({ looked: 'value of x' });
    // One run: the retry resumed it rather than starting another.
    expect(done.events.filter((event: Json) => event.type === 'run_started')).toHaveLength(1);
  });

  it('an unknown id is a 404; a task that is not a dead letter a 409', async () => {
    const unknown = await call('POST', '/v1/tasks/no-such-run/retry');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({
      code: 'not_found',
      message: "task 'no-such-run' does not exist",
    });

    const parked = await submit({ agent: 'gated', input: { by: 4 } });
    await until(parked, (body) => body.status, 'awaiting_approval');
    const live = await call('POST', `/v1/tasks/${parked}/retry`);
    expect(live.status).toBe(409);
    expect(live.body.error.message).toMatch(
      new RegExp(`task '${parked}' is (active|completed), not a dead letter`),
    );
    await call('POST', `/v1/runs/${parked}/reject`, ADMIN, {});
  });

  it('retry takes the call scope; the listing takes read', async () => {
    const denied = await call('POST', `/v1/tasks/${dead.notStartedForCli}/retry`, READER);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/'call' scope/);
    expect((await api.inject({ method: 'GET', url: '/v1/tasks/failed' })).statusCode).toBe(401);
    expect((await call('GET', `/v1/tasks/${dead.notStartedForCli}`, READER)).body.state).toBe('failed');
  });

  it('documents both routes in the OpenAPI document', async () => {
    const { body } = await call('GET', '/openapi.json', READER);
    expect(body.paths['/v1/tasks/failed'].get.summary).toMatch(/Dead letters/);
    expect(body.paths['/v1/tasks/{id}/retry'].post.summary).toMatch(/Retry a dead letter/);
  });
});

describe('switchyard tasks failed and switchyard retry', { timeout: 120_000 }, () => {
  it('tasks failed prints the dead letters as a table, newest first', async () => {
    const { status, stdout, stderr } = await switchyard(['tasks', 'failed', '--limit', '50']);
    expect(status, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^RUN\s+AGENT\s+ATTEMPTS\s+FAILED\s+RUN STATUS\s+REASON$/);
    expect(stdout).toMatch(
      new RegExp(
        `^${dead.failedRun}\\s+broken\\s+1\\s+\\d{4}-\\S+Z\\s+failed\\s+run '${dead.failedRun}' failed`,
        'm',
      ),
    );
    expect(stdout).toMatch(
      new RegExp(
        `^${dead.notStartedForCli}\\s+gated\\s+2\\s+\\S+\\s+queued\\s+agent 'gated' does not exist$`,
        'm',
      ),
    );
  });

  // Regression: `runs` expected RunRecord fields (id, usage) that GET /v1/runs does not send
  // (runId, cost), so it failed on every real bridge with "answered with something a Switchyard
  // bridge does not send".
  it('runs --state failed lists the failed run of a dead letter from the real API', async () => {
    const { status, stdout, stderr } = await switchyard(['runs', '--state', 'failed']);
    expect(status, stderr).toBe(0);
    expect(stdout).toMatch(/^RUN\s+AGENT\s+STATUS\s+STEPS\s+COST\s+REQUESTED BY\s+UPDATED$/m);
    expect(stdout).toMatch(
      new RegExp(`^${dead.failedRun}\\s+broken\\s+failed\\s+\\d+\\s+\\$0\\.0000\\s+app\\s`, 'm'),
    );
  });

  it('tasks failed refuses a limit outside 1..1000 before any request', async () => {
    const { status, stderr } = await switchyard(['tasks', 'failed', '--limit', '0']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/--limit.*expected a whole number from 1 to 1000/);
  });

  it('retry of a failed run exits 1 with the bridge’s 409 on stderr', async () => {
    const { status, stdout, stderr } = await switchyard(['retry', dead.failedRun]);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      new RegExp(`^switchyard: the bridge answered 409 conflict: run '${dead.failedRun}' failed \\(`),
    );
    expect(stderr).toMatch(/submit the task again/);
  });

  it('retry of an unknown run exits 1 with the 404', async () => {
    const { status, stderr } = await switchyard(['retry', 'no-such-run']);
    expect(status).toBe(1);
    expect(stderr).toBe("switchyard: the bridge answered 404 not_found: task 'no-such-run' does not exist\n");
  });

  it('retry of a task that failed before its run started exits 0 and the run starts', async () => {
    const { status, stdout, stderr } = await switchyard(['retry', dead.notStartedForCli]);
    expect(status, stderr).toBe(0);
    expect(stdout).toMatch(new RegExp(`^retried run ${dead.notStartedForCli} \\(gated\\): \\w+`));
    const parked = await until(dead.notStartedForCli, (body) => body.status, 'awaiting_approval');
    expect(parked.requestedBy).toBe('app');
  });

  // Regression: `approve` / `reject` parsed the answer as a bare approval record, but the API
  // answers {approval}, so every decision printed "answered with something a Switchyard bridge
  // does not send" (and exited 1) although the bridge had recorded it.
  it('reject decides the retried run on the real API and prints the decision', async () => {
    const { status, stdout, stderr } = await switchyard(
      ['reject', dead.notStartedForCli, '--reason', 'retried by the test'],
      ADMIN,
    );
    expect(status, stderr).toBe(0);
    expect(stdout).toBe(`rejected run ${dead.notStartedForCli}: finish (by ops: retried by the test)\n`);
    await until(dead.notStartedForCli, (body) => body.status, 'failed');
  });
});
