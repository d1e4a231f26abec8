import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../core/logger.js';
import { serveStdio } from '../../../../runtime/mcp/serve-stdio.js';
import { createEchoServer } from '../../../support/echo-server.js';

const TSX = import.meta.resolve('tsx');
const CHILD = join(import.meta.dirname, '../../../support/stdio-child.ts');
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

function spawnChild(): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', TSX, CHILD], { env: { PATH: process.env.PATH ?? '' } });
}

/** Collects a stream's text as it arrives. */
function collect(stream: NodeJS.ReadableStream): { text: () => string } {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (text += chunk));
  return { text: () => text };
}

/** Resolves when `read()` contains `needle`, or rejects after a bound. */
async function waitFor(read: () => string, needle: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!read().includes(needle)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${needle} in:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('serveStdio', () => {
  it('writes nothing but JSON-RPC to stdout, and exits cleanly with cleanup when stdin ends', async () => {
    const child = spawnChild();
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    const exit = once(child, 'exit');
    child.stdin.write(`${JSON.stringify(INITIALIZE)}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'hi' } },
    };
    child.stdin.write(`${JSON.stringify(call)}\n`);
    await waitFor(stdout.text, '"id":2');
    child.stdin.end();
    const [code, signal] = await exit;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const lines = stdout.text().trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({
      id: 2,
      result: { structuredContent: { text: 'hi' } },
    });
    // The logs went to stderr, as JSON, including the cleanup of the instance.
    expect(stderr.text()).toContain('"event":"echo-cleanup"');
    expect(stderr.text()).toContain('mcp stdio server ready');
  });

  it('serves the SDK client and leaves no process behind when the client closes', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', TSX, CHILD],
      env: { PATH: process.env.PATH ?? '' },
      stderr: 'pipe',
    });
    if (!(transport.stderr instanceof Readable)) throw new Error('stderr is not piped');
    const stderr = collect(transport.stderr);
    const client = new Client({ name: 'test', version: '1' });
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    await client.connect(transport);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
    const pid = transport.pid;
    expect(pid).toBeTypeOf('number');
    await client.close();
    // The SDK closes by ending stdin and waits 2 s before it escalates to SIGTERM; the process
    // must be gone by then on its own, having run its cleanup.
    expect(() => process.kill(pid ?? 0, 0)).toThrow(/ESRCH/);
    await waitFor(stderr.text, '"event":"closed"');
    expect(stderr.text()).toContain('"event":"echo-cleanup"');
    expect(errors).toEqual([]);
  });

  it('closes cleanly on SIGTERM, running the cleanup', async () => {
    const child = spawnChild();
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    const exit = once(child, 'exit');
    child.stdin.write(`${JSON.stringify(INITIALIZE)}\n`);
    await waitFor(stdout.text, '"id":1');
    child.kill('SIGTERM');
    const [code, signal] = await exit;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stderr.text()).toContain('"reason":"SIGTERM"');
    expect(stderr.text()).toContain('"event":"echo-cleanup"');
  });

  it('close() from the caller cleans up exactly once, even when called twice', async () => {
    let cleanups = 0;
    const stdin = new PassThrough();
    const handle = await serveStdio(() => createEchoServer({ onCleanup: () => (cleanups += 1) }), {
      logger: silentLogger,
      stdin,
      stdout: new PassThrough(),
      handleSignals: false,
    });
    await Promise.all([handle.close(), handle.close()]);
    await handle.closed;
    stdin.end();
    expect(cleanups).toBe(1);
  });
});
