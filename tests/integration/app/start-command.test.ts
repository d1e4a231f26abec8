import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWITCHYARD_CLI } from '../../support/mcp-server-process.js';

const TSX = import.meta.resolve('tsx');
const KEY = '0813ba6d30f7bbf925ab2a50f5a407feaa885309426af0dd';

// `switchyard start` as a user runs it: built-in crm and memory in process, API keys configured.
describe('switchyard start', () => {
  let dir: string;
  let child: ChildProcess;
  let stderr = '';
  let url = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-start-'));
    writeFileSync(
      join(dir, 'switchyard.config.json'),
      JSON.stringify({
        api: { port: 0, keys: [{ name: 'tester', key: KEY, scopes: ['read', 'call'] }] },
        mcpServers: { crm: { builtin: 'crm' }, memory: { builtin: 'memory' } },
      }),
    );
    child = spawn(process.execPath, ['--import', TSX, SWITCHYARD_CLI, 'start'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        SWITCHYARD_HOME: join(dir, 'home'),
        SWITCHYARD_VECTOR_BACKEND: 'memory',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const deadline = Date.now() + 90_000;
    while (!url && Date.now() < deadline && child.exitCode === null) {
      url = /"url":"(http:[^"]+)"/.exec(stderr)?.[1] ?? '';
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!url) throw new Error(`switchyard start printed no url:\n${stderr}`);
    // The API listens while the built-in servers still start: wait until /ready says all are up.
    while (
      Date.now() < deadline &&
      (await fetch(`${url}/ready`, { headers: { authorization: `Bearer ${KEY}` } })).status !== 200
    )
      await new Promise((resolve) => setTimeout(resolve, 50));
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers },
    });

  it('serves the API: health without a key, tools and calls with one, 401 without', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/v1/tools`)).status).toBe(401);
    const tools = (await (await api('/v1/tools')).json()) as { tools: Array<{ name: string }> };
    expect(tools.tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['crm__search_accounts', 'memory__read_graph']),
    );
    const call = await api('/v1/tools/crm__create_account/call', {
      method: 'POST',
      body: JSON.stringify({ arguments: { name: 'Acme', owner: 'ana' } }),
    });
    expect(call.status).toBe(200);
    expect(
      ((await call.json()) as { result: { structuredContent: { created: boolean } } }).result
        .structuredContent.created,
    ).toBe(true);
  });

  it('runs an agent task submitted over the API to completion (the inline queue)', async () => {
    const submitted = await api('/v1/tasks', {
      method: 'POST',
      body: JSON.stringify({
        agent: 'bizdev',
        input: {
          lead: {
            company: 'Globex',
            domain: 'globex.example',
            contact: { name: 'Hank', email: 'hank@globex.example' },
          },
        },
        idempotencyKey: 'start-test-lead',
      }),
    });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const { runId } = (await submitted.json()) as { runId: string };
    let task: { status?: string; result?: { accountId?: string; taskId?: string } } = {};
    const deadline = Date.now() + 90_000;
    while (!['completed', 'failed', 'cancelled'].includes(task.status ?? '') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const reply = await api(`/v1/tasks/${runId}`);
      if (reply.status === 200) task = (await reply.json()) as typeof task;
    }
    expect(task.status, stderr).toBe('completed');
    // The lead became crm records: an account and a follow-up task (the run's output names them).
    expect(task.result?.accountId).toMatch(/^acc_/);
    expect(task.result?.taskId).toBeTruthy();
  }, 120_000);

  it('serves the catalog over Streamable HTTP at /mcp, with the API key', async () => {
    const refused = new Client({ name: 'no-key', version: '1' });
    await expect(refused.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)))).rejects.toThrow(
      /an API key is required/,
    );
    const client = new Client({ name: 'start-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${KEY}` } },
      }),
    );
    try {
      const result = await client.callTool({ name: 'crm__search_accounts', arguments: { query: 'acme' } });
      expect(result.structuredContent).toMatchObject({ total: 1 });
      // Calls over MCP are counted like the API's (only this test calls search_accounts).
      const metrics = await (await api('/metrics')).text();
      expect(metrics).toMatch(
        /switchyard_tool_calls_total\{[^}]*tool="crm__search_accounts"[^}]*outcome="ok"[^}]*\} 1/,
      );
    } finally {
      await client.close();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(stderr).toContain('"msg":"stopping"');
  }, 60_000);
});
