import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMcpContract } from '../../support/mcp-contract.js';
import {
  alive,
  startHttpServer,
  startStdioServer,
  SWITCHYARD_CLI,
} from '../../support/mcp-server-process.js';

const TSX = import.meta.resolve('tsx');
const ECHO_CLI = join(import.meta.dirname, '../../support/echo-cli.ts');
const MEMORY_BACKEND = { SWITCHYARD_VECTOR_BACKEND: 'memory' };

describe('switchyard server', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-server-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function switchyard(args: string[]) {
    return spawnSync(process.execPath, ['--import', TSX, SWITCHYARD_CLI, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, SWITCHYARD_HOME: join(dir, 'home') },
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  it('refuses an unknown server name with a non-zero exit, listing the known servers', () => {
    const { status, stdout, stderr } = switchyard(['server', 'nope']);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      "unknown MCP server 'nope'; known servers: crm, filesystem, github, memory, vector",
    );
  });

  it('refuses arguments for a server that takes none', () => {
    const { status, stderr } = switchyard(['server', 'vector', '/tmp']);
    expect(status).toBe(1);
    expect(stderr).toContain('the vector server takes no arguments (got /tmp)');
  });

  it('takes the filesystem roots as arguments, as the reference server does, added to the configured ones', async () => {
    const [first, second] = ['a', 'b'].map((name) => {
      const root = join(dir, name);
      mkdirSync(root);
      return realpathSync(root);
    });
    const server = await startStdioServer('filesystem', {
      args: [second!],
      env: () => ({ SWITCHYARD_FS_ROOTS: first! }),
    });
    try {
      const result = await server.client.callTool({ name: 'list_allowed_directories', arguments: {} });
      expect(result.structuredContent).toEqual({ directories: [first, second] });
    } finally {
      await server.stop();
    }
  });

  it('refuses HTTP-only options without --http', () => {
    const { status, stderr } = switchyard(['server', 'vector', '--token', 't']);
    expect(status).toBe(1);
    expect(stderr).toContain('--token only apply with --http <port>');
  });

  it('with --http 0 logs the URL it listens on, serves there, and exits 0 on SIGTERM', async () => {
    const server = await startHttpServer('vector', { env: () => MEMORY_BACKEND });
    const line = server
      .stderr()
      .split('\n')
      .find((l) => l.includes('"url"'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/),
    });
    expect((await server.client.listTools()).tools.length).toBeGreaterThan(0);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(alive(server.pid)).toBe(false);
  });

  it('with --token refuses requests without the token', async () => {
    // The harness client sends no token, so connecting must fail with 401.
    await expect(
      startHttpServer('echo', { entry: ECHO_CLI, args: ['--token', '9c2e71b04fa85d36e1c09b7a4d28f5e3'] }),
    ).rejects.toThrow(/401|Unauthorized/);
  });

  // Two CLI starts through tsx: seconds each on a loaded machine.
  it(
    'refuses to listen beyond loopback without a token, and refuses a token too easy to guess',
    { timeout: 120_000 },
    () => {
      const open = switchyard(['server', 'vector', '--http', '0', '--host', '0.0.0.0']);
      expect(open.status).not.toBe(0);
      expect(open.stderr).toContain('an MCP server without a token would listen on 0.0.0.0');
      const weak = switchyard(['server', 'vector', '--http', '0', '--token', 's3cret-s3cret-s3cret']);
      expect(weak.status).not.toBe(0);
      expect(weak.stderr).toMatch(/--token\) is too easy to guess.*openssl rand -hex 24/);
      expect(weak.stderr).not.toContain('s3cret-s3cret-s3cret');
    },
  );
});

// The contract harness itself, run on the echo server of tests/support through the real command.
runMcpContract('echo', {
  entry: ECHO_CLI,
  tools: {
    echo: {
      valid: [
        {
          arguments: { text: 'hello' },
          check: (result) => expect(result.structuredContent).toEqual({ text: 'hello' }),
        },
      ],
      invalid: [
        { arguments: {}, error: /text/ },
        { arguments: { text: 'x'.repeat(101) }, error: /100/ },
        { arguments: { text: 'boom' }, error: /boom is refused/ },
      ],
    },
  },
  resources: [
    { uri: 'echo://greeting', check: (r) => expect(r.contents[0]).toMatchObject({ text: 'hello' }) },
  ],
  prompts: [{ name: 'shout', arguments: { text: 'hi' } }],
});
