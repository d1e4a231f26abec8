import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import type { CallToolResult, ListToolsResult } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import { inspectorResult, runInspectorCli, type InspectorTarget } from '../../../support/inspector-cli.js';
import { alive, SWITCHYARD_CLI } from '../../../support/mcp-server-process.js';

// `switchyard mcp` as Claude Desktop and the MCP Inspector run it: a real process over stdio,
// started from source through tsx, with a temporary config file and SWITCHYARD_HOME.

const TSX = import.meta.resolve('tsx');
const EVERYTHING = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);
const FIXTURE = join(import.meta.dirname, '../../../support/fleet-fixture-server.ts');
const BUILTINS = ['crm', 'filesystem', 'github', 'memory', 'vector'];

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : JSON.stringify(part))).join('');
}

function setup(prefix: string, mcpServers: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'fsroot'));
  const file = join(dir, 'switchyard.config.json');
  writeFileSync(file, JSON.stringify({ mcpServers }, null, 2));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    SWITCHYARD_HOME: join(dir, 'home'),
    SWITCHYARD_LOG_LEVEL: 'warn',
    SWITCHYARD_VECTOR_BACKEND: 'memory',
    SWITCHYARD_FS_ROOTS: join(dir, 'fsroot'),
    // The github built-in never reaches GitHub from a test.
    GITHUB_API_URL: 'http://127.0.0.1:9',
  };
  return { dir, file, env };
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('switchyard mcp over stdio', () => {
  const stdio = { command: process.execPath, args: [EVERYTHING], pingIntervalMs: 0 };
  const { dir, file, env } = setup('switchyard-mcp-', {
    everything: stdio,
    fixture: { ...stdio, args: ['--import', TSX, FIXTURE] },
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the catalog on stdout, and leaves no process behind when stdin ends', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', TSX, SWITCHYARD_CLI, '--config', file, 'mcp'],
      env,
      cwd: dir,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'stdio-test', version: '1' });
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    await client.connect(transport);
    const bridgePid = transport.pid!;
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names, stderr).toEqual(expect.arrayContaining(['everything__echo', 'fixture__whoami']));
      const echo = (await client.callTool({
        name: 'everything__echo',
        arguments: { message: 'hi' },
      })) as CallToolResult;
      expect(textOf(echo)).toBe('Echo: hi');
      const fixturePid = Number(
        textOf((await client.callTool({ name: 'fixture__whoami' })) as CallToolResult),
      );
      expect(alive(fixturePid)).toBe(true);

      await client.close();
      await waitUntil(() => !alive(bridgePid) && !alive(fixturePid), 'the bridge and its children to exit');
      // Only JSON-RPC on stdout: a stray line would have reached the client as an error.
      expect(errors).toEqual([]);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('ends the fleet on SIGTERM', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', TSX, SWITCHYARD_CLI, '--config', file, 'mcp'],
      env,
      cwd: dir,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'sigterm-test', version: '1' });
    await client.connect(transport);
    try {
      const bridgePid = transport.pid!;
      const fixturePid = Number(
        textOf((await client.callTool({ name: 'fixture__whoami' })) as CallToolResult),
      );
      process.kill(bridgePid, 'SIGTERM');
      await waitUntil(() => !alive(bridgePid) && !alive(fixturePid), 'the bridge and its children to exit');
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('the MCP Inspector CLI against switchyard mcp', () => {
  const servers = {
    ...Object.fromEntries(BUILTINS.map((name) => [name, { builtin: name }])),
    everything: { command: process.execPath, args: [EVERYTHING] },
  };
  const { dir, file, env } = setup('switchyard-inspector-', servers);
  // The file goes by SWITCHYARD_CONFIG: the Inspector takes a `--config` argument as its own.
  const target: InspectorTarget = {
    command: process.execPath,
    args: ['--import', TSX, SWITCHYARD_CLI, 'mcp'],
    env: { ...env, SWITCHYARD_CONFIG: file },
  };
  const run = (args: string[]) => runInspectorCli(target, args, { timeoutMs: 90_000 });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the tools of the five built-ins and server-everything under stable names', async () => {
    const { tools } = inspectorResult<ListToolsResult>(await run(['--method', 'tools/list']));
    const names = tools.map((tool) => tool.name);
    for (const server of [...BUILTINS, 'everything'])
      expect(
        names.some((name) => name.startsWith(`${server}__`)),
        `${server}: ${names.join(', ')}`,
      ).toBe(true);
    expect(names).toEqual(
      expect.arrayContaining(['everything__echo', 'everything__get-sum', 'memory__read_graph']),
    );
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  }, 120_000);

  it('calls a built-in tool and a server-everything tool', async () => {
    const graph = inspectorResult<CallToolResult>(
      await run(['--method', 'tools/call', '--tool-name', 'memory__read_graph']),
    );
    expect(graph.isError ?? false, textOf(graph)).toBe(false);
    expect(graph.structuredContent).toEqual({ entities: [], relations: [] });
    const sum = inspectorResult<CallToolResult>(
      await run(['--method', 'tools/call', '--tool-name', 'everything__get-sum', '--tool-arg', 'a=2', 'b=3']),
    );
    expect(textOf(sum)).toContain('5');

    // Each process left an audit row per relayed call in its embedded store.
    const sql = await PgliteSql.open({ dataDir: join(dir, 'home', 'pgdata') });
    try {
      const { rows } = await sql.query<{ tool: string; source: string; outcome: string }>(
        'SELECT tool, source, outcome FROM audit_tool_calls ORDER BY id',
      );
      expect(rows).toEqual([
        { tool: 'memory__read_graph', source: 'stdio', outcome: 'ok' },
        { tool: 'everything__get-sum', source: 'stdio', outcome: 'ok' },
      ]);
    } finally {
      await sql.close();
    }
  }, 180_000);
});
