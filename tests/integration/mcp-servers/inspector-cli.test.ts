import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult, ListToolsResult, Tool } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMcpServer } from '../../../app/servers/mcp-server-registry.js';
import { openSqlFromConfig } from '../../../app/from-config/sql-from-config.js';
import { loadConfig } from '../../../app/config/load-config.js';
import { silentLogger } from '../../../core/logger.js';
import { FakeGitHub } from '../../support/fake-github.js';
import { connectInMemory, textOf } from '../../support/in-memory-mcp.js';
import {
  INSPECTOR_PACKAGE,
  type InspectorTarget,
  findInspectorCli,
  inspectorResult,
  runInspectorCli,
} from '../../support/inspector-cli.js';
import { SWITCHYARD_CLI } from '../../support/mcp-server-process.js';

/**
 * The MCP Inspector 2.x in its CLI mode (@modelcontextprotocol/inspector, in tools/inspector/) lists and calls
 * the tools of each server started as `switchyard server <name>` over stdio: the tools it lists
 * are the ones the same server composed in-process lists, and a read-only call per server (with
 * `--tool-arg key=value` where the tool takes arguments) returns the expected result.
 *
 * Each Inspector run starts its own server process. A server's runs, one at a time, share one
 * temporary SWITCHYARD_HOME with its in-process composition: the calls only read, and a store
 * (PGlite) is created and migrated once rather than for every run.
 */

// Resolved from the project, since the Inspector runs the server from its own directory.
const TSX = import.meta.resolve('tsx');
// A run starts a server through tsx (compiling on the fly), and memory and crm open PGlite.
const RUN_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = 120_000;

interface ServerCase {
  /** Runs before the server's runs (e.g. starts a fake upstream); `after` undoes it. */
  before?: () => Promise<void>;
  after?: () => Promise<void>;
  /** Extra environment for the server, given a temporary directory of the test's. */
  env?: (dir: string) => Record<string, string>;
  /** Read-only calls made through the Inspector, each in a new server process. */
  calls: ToolCall[];
}

interface ToolCall {
  tool: string;
  /** Passed as `--tool-arg key=value` (the Inspector converts them by the tool's input schema). */
  args?: (dir: string) => Record<string, string>;
  check: (result: CallToolResult, dir: string) => void;
}

const data = <T>(result: CallToolResult): T => {
  expect(result.isError ?? false, textOf(result)).toBe(false);
  return result.structuredContent as T;
};

const fsRoot = (dir: string) => join(dir, 'fsroot');

// The github server's API: a local fake of GitHub's REST API (GitHub itself is never reached).
let fakeGitHub: FakeGitHub | undefined;
const github = (): FakeGitHub => {
  if (!fakeGitHub) throw new Error('the fake GitHub is not running');
  return fakeGitHub;
};

const SERVERS: Record<string, ServerCase> = {
  memory: {
    calls: [
      {
        tool: 'read_graph',
        check: (r) => expect(data(r)).toEqual({ entities: [], relations: [] }),
      },
      {
        tool: 'search_nodes',
        args: () => ({ query: 'tea' }),
        check: (r) => expect(data(r)).toEqual({ entities: [], relations: [] }),
      },
    ],
  },
  filesystem: {
    env: (dir) => {
      mkdirSync(fsRoot(dir), { recursive: true });
      writeFileSync(join(fsRoot(dir), 'hello.txt'), 'hello\n');
      return { SWITCHYARD_FS_ROOTS: fsRoot(dir) };
    },
    calls: [
      {
        tool: 'list_allowed_directories',
        check: (r, dir) => expect(data(r)).toEqual({ directories: [realpathSync(fsRoot(dir))] }),
      },
      {
        tool: 'list_directory',
        args: (dir) => ({ path: fsRoot(dir) }),
        check: (r) =>
          expect(data(r)).toMatchObject({
            entries: [{ name: 'hello.txt', type: 'file', size: 6 }],
            totalFiles: 1,
          }),
      },
    ],
  },
  crm: {
    calls: [
      {
        tool: 'search_accounts',
        // A new home's CRM is empty (`switchyard seed` fills one).
        check: (r) => expect(data(r)).toMatchObject({ accounts: [], total: 0, nextOffset: null }),
      },
      {
        tool: 'search_accounts',
        args: () => ({ query: 'no-such-account', limit: '5' }),
        check: (r) => expect(data(r)).toMatchObject({ accounts: [], total: 0 }),
      },
    ],
  },
  vector: {
    calls: [
      {
        tool: 'list_collections',
        check: (r) => expect(data(r)).toEqual({ collections: [] }),
      },
      {
        tool: 'describe_collection',
        args: () => ({ name: 'no-such-collection' }),
        check: (r) => {
          expect(r.isError, JSON.stringify(r)).toBe(true);
          expect(textOf(r)).toContain('no-such-collection');
        },
      },
    ],
  },
  github: {
    before: async () => {
      fakeGitHub = await FakeGitHub.start();
      fakeGitHub.addRepo({
        owner: 'octo',
        name: 'hello',
        description: 'Hello world',
        files: { 'README.md': '# Hello\n' },
      });
    },
    after: async () => fakeGitHub?.close(),
    env: () => ({ GITHUB_API_URL: github().url, GITHUB_TOKEN: 'test-token' }),
    calls: [
      {
        tool: 'get_file_contents',
        args: () => ({ owner: 'octo', repo: 'hello', path: 'README.md' }),
        check: (r) => {
          expect(data(r)).toMatchObject({ type: 'file', encoding: 'utf-8', content: '# Hello\n' });
          const read = github().requests.find((q) => q.path === '/repos/octo/hello/contents/README.md');
          expect(read?.headers.authorization).toMatch(/test-token/);
        },
      },
      {
        tool: 'search_repositories',
        args: () => ({ query: 'hello' }),
        check: (r) => expect(data(r)).toMatchObject({ total_count: 1, items: [{ full_name: 'octo/hello' }] }),
      },
    ],
  },
};

/** The environment of a server process (and of the in-process composition), as the contract tests'. */
function serverEnv(name: string, dir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    SWITCHYARD_HOME: join(dir, 'home'),
    // Not info: the Inspector pipes the server's stderr and never reads it.
    SWITCHYARD_LOG_LEVEL: 'warn',
    SWITCHYARD_VECTOR_BACKEND: 'memory',
    ...SERVERS[name]?.env?.(dir),
  };
}

/** The tools/list of the server composed in-process, from the same registry and configuration. */
async function listedInProcess(name: string, env: Record<string, string>): Promise<Tool[]> {
  const { config } = loadConfig({ cwd: env.HOME, env });
  const entry = findMcpServer(name);
  // As the server role does: the SQL store is opened for the entries that need it, and closed after.
  const sql = entry.needsSql?.(config) ? await openSqlFromConfig(config, silentLogger) : undefined;
  const composed = await entry.create(config, { logger: silentLogger, ...(sql ? { sql } : {}) });
  try {
    const connection = await connectInMemory(await composed.factory());
    try {
      // As it would cross a transport: no undefined fields.
      return (JSON.parse(JSON.stringify(await connection.client.listTools())) as ListToolsResult).tools;
    } finally {
      await connection.close();
    }
  } finally {
    await composed.close();
    await sql?.close();
  }
}

describe('the MCP Inspector CLI', () => {
  it(`is installed in tools/inspector/ (${INSPECTOR_PACKAGE} 2.x)`, () => {
    expect(findInspectorCli().version).toMatch(/^2\.\d+\.\d+/);
  });
});

describe.each(Object.keys(SERVERS))('the MCP Inspector CLI against `switchyard server %s`', (name) => {
  const server = SERVERS[name]!;
  let dir = '';
  /** `switchyard server <name>` over stdio. */
  const target = (): InspectorTarget => ({
    command: process.execPath,
    args: ['--import', TSX, SWITCHYARD_CLI, 'server', name],
    env: serverEnv(name, dir),
    // The Inspector offers MCP roots (none unless given), and filesystem narrows to them.
    ...(name === 'filesystem' ? { roots: [fsRoot(dir)] } : {}),
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `switchyard-inspector-${name}-`));
    await server.before?.();
  });
  afterAll(async () => {
    await server.after?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'lists the tools the server lists (tools/list)',
    async () => {
      findInspectorCli(); // fails fast, before the in-process composition, when it is missing
      // In-process first: it creates the shared home's stores and closes them before the server opens them.
      const expected = await listedInProcess(name, serverEnv(name, dir));
      const listed = inspectorResult<ListToolsResult>(
        await runInspectorCli(target(), ['--method', 'tools/list'], { timeoutMs: RUN_TIMEOUT_MS }),
      );
      expect(expected.length, `${name} lists no tools in-process`).toBeGreaterThan(0);
      expect(listed.tools.map((t) => t.name).sort()).toEqual(expected.map((t) => t.name).sort());
      for (const tool of server.calls) expect(listed.tools.map((t) => t.name)).toContain(tool.tool);
      // The whole definitions, as the Inspector shows them (schemas, annotations, descriptions).
      expect(listed.tools).toEqual(expected);
    },
    TEST_TIMEOUT_MS,
  );

  for (const call of server.calls) {
    it(
      `calls ${call.tool}${call.args ? ' with --tool-arg' : ''} (tools/call)`,
      async () => {
        const toolArgs = Object.entries(call.args?.(dir) ?? {}).flatMap(([key, value]) => [
          '--tool-arg',
          `${key}=${value}`,
        ]);
        const result = inspectorResult<CallToolResult>(
          await runInspectorCli(target(), ['--method', 'tools/call', '--tool-name', call.tool, ...toolArgs], {
            timeoutMs: RUN_TIMEOUT_MS,
          }),
        );
        call.check(result, dir);
      },
      TEST_TIMEOUT_MS,
    );
  }
});
