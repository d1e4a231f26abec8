import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAgents } from '../../../../agents/builtin-agents.js';
import { mcpCallerOf } from '../../../../app/api/mcp-mount.js';
import { TOOL_ERROR_META } from '../../../../bridge/catalog/tool-call-failure.js';
import {
  createFrontHttpHandler,
  type FrontHttpHandler,
} from '../../../../bridge/front/front-http-handler.js';
import { FrontHub } from '../../../../bridge/front/front-hub.js';
import { TaskService } from '../../../../bridge/tasks/task-service.js';
import { createTaskTools } from '../../../../bridge/tasks/task-tools.js';
import { InlineTaskQueue } from '../../../../runtime/queue/inline-task-queue.js';
import { createRunTaskHandler } from '../../../../runtime/queue/run-task-handler.js';
import { gatedAgent } from '../../../support/actor-test-kit.js';
import { openRunStack, type RunStack } from '../../../support/run-stack.js';
import { type CliRun, runSwitchyard } from '../../../support/switchyard-cli.js';
import { type ApiHarness, bearer, createApiHarness } from './api-harness.js';
import { createTaskApi, type Json, taskApiCaller } from './task-api.js';

// One failure, one code, on every front: REST (/v1/tasks, /v1/runs), a tool call over REST
// (/v1/tools/{name}/call), the same tool over MCP (/mcp, a real client), and the CLI (from
// source, against this listening API). Over a real TaskService with the marketing agent, whose
// input schema refuses a channel it does not write for.

const ADMIN = 'c0a5a8e4b3f1d2e6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2';
const CALLER = 'f1e2d3c4b5a6978877665544332211aabbccddeeff001122';
const READER = '0f1e2d3c4b5a69788776655443322110aabbccddeeff0011';

const BAD_INPUT = { topic: 'Switchyard 1.0', audience: 'operators', channel: 'fax' };

let harness: ApiHarness;
let stack: RunStack;
let queue: InlineTaskQueue;
let api: FastifyInstance;
let front: FrontHttpHandler;
let url: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-error-codes-'));
  harness = await createApiHarness();
  const marketing = builtinAgents().find((agent) => agent.name === 'marketing')!;
  stack = await openRunStack([gatedAgent(), marketing]);
  queue = new InlineTaskQueue();
  queue.process(createRunTaskHandler(stack.supervisor), { concurrency: 2 });
  const tasks = new TaskService(queue, stack.supervisor);
  harness.catalog.addLocalTools(createTaskTools(tasks));
  front = createFrontHttpHandler({
    catalog: harness.catalog,
    hub: new FrontHub(),
    callerOf: mcpCallerOf(true),
  });
  api = await createTaskApi(harness, tasks, { admin: ADMIN, caller: CALLER, reader: READER }, front);
  await api.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await front?.close();
  await api?.close();
  await queue?.close();
  await stack?.close();
  await harness?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const call = taskApiCaller(() => api, ADMIN);

const switchyard = (args: string[], key = ADMIN): Promise<CliRun> =>
  runSwitchyard([...args, '--url', url, '--key', key], dir);

/** The code an MCP error result carries, checked to be the same in _meta and structuredContent. */
function toolErrorCode(result: CallToolResult | Json): string {
  expect(result.isError).toBe(true);
  const meta = (result._meta as Json | undefined)?.[TOOL_ERROR_META] as Json | undefined;
  expect(result.structuredContent?.error).toEqual(meta);
  return meta?.code as string;
}

async function withMcp<T>(use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ name: 'error-codes', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: bearer(ADMIN) } }),
  );
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

describe('an input the agent refuses is validation_failed on every front', () => {
  it('REST POST /v1/tasks: 400 validation_failed naming the field', async () => {
    const reply = await call('POST', '/v1/tasks', CALLER, { agent: 'marketing', input: BAD_INPUT });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'channel' } });
  });

  it('REST POST /v1/tools/tasks__submit/call: the tool result is an error with validation_failed', async () => {
    const reply = await call('POST', '/v1/tools/tasks__submit/call', CALLER, {
      arguments: { agent: 'marketing', input: BAD_INPUT },
    });
    expect(reply.status).toBe(200);
    expect(toolErrorCode(reply.body.result as Json)).toBe('validation_failed');
    expect(reply.body.result._meta[TOOL_ERROR_META]).toMatchObject({
      jsonRpcCode: -32602,
      details: { field: 'channel' },
    });
  });

  it('MCP tasks__submit over /mcp: an error result with validation_failed', async () => {
    const result = await withMcp((client) =>
      client.callTool({ name: 'tasks__submit', arguments: { agent: 'marketing', input: BAD_INPUT } }),
    );
    expect(toolErrorCode(result as CallToolResult)).toBe('validation_failed');
    expect(JSON.stringify(result.content)).toMatch(/channel/);
  });

  it('CLI switchyard submit: exits 1 naming validation_failed', async () => {
    const { status, stdout, stderr } = await switchyard([
      'submit',
      'marketing',
      '--input',
      JSON.stringify(BAD_INPUT),
    ]);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^switchyard: the bridge answered 400 validation_failed: .*channel/);
  });

  it('nothing was written for any of them', async () => {
    const runs = await call('GET', '/v1/runs?agent=marketing');
    expect(runs.body.runs).toEqual([]);
  });
});

describe('an unknown run id is not_found on every front', () => {
  const RUN = 'no-such-run';

  it('REST: GET /v1/tasks/{id} and POST /v1/runs/{id}/approve answer 404 not_found', async () => {
    const status = await call('GET', `/v1/tasks/${RUN}`);
    expect(status.status).toBe(404);
    expect(status.body.error.code).toBe('not_found');
    const approve = await call('POST', `/v1/runs/${RUN}/approve`);
    expect(approve.status).toBe(404);
    expect(approve.body.error.code).toBe('not_found');
  });

  it('REST tool calls: tasks__status and runs__approve results carry not_found', async () => {
    for (const tool of ['tasks__status', 'runs__approve']) {
      const reply = await call('POST', `/v1/tools/${tool}/call`, ADMIN, { arguments: { runId: RUN } });
      expect(reply.status, tool).toBe(200);
      expect(toolErrorCode(reply.body.result as Json), tool).toBe('not_found');
    }
  });

  it('MCP: tasks__status and runs__approve results carry not_found', async () => {
    await withMcp(async (client) => {
      for (const tool of ['tasks__status', 'runs__approve']) {
        const result = await client.callTool({ name: tool, arguments: { runId: RUN } });
        expect(toolErrorCode(result as CallToolResult), tool).toBe('not_found');
      }
    });
  });

  it('CLI: switchyard approve exits 1 naming not_found', async () => {
    const { status, stderr } = await switchyard(['approve', RUN]);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^switchyard: the bridge answered 404 not_found: /);
  });
});

describe('an unknown tool is not_found on REST and MCP alike', () => {
  it('REST answers 404 not_found; MCP an error result with not_found', async () => {
    const reply = await call('POST', '/v1/tools/nowhere__nothing/call', CALLER, {});
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe('not_found');
    const result = await withMcp((client) => client.callTool({ name: 'nowhere__nothing' }));
    expect(toolErrorCode(result as CallToolResult)).toBe('not_found');
  });
});
