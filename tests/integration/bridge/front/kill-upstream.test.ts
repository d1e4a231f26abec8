import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, SWITCHYARD_CLI } from '../../../support/mcp-server-process.js';

// Issue 4's check: kill -9 of one upstream during a stream of calls, through `switchyard mcp` as a
// client sees it. Two fixture upstreams; one is killed; the other must not notice.

const TSX = import.meta.resolve('tsx');
const FIXTURE = join(import.meta.dirname, '../../../support/fleet-fixture-server.ts');

const textOf = (result: CallToolResult) =>
  result.content.map((part) => (part.type === 'text' ? part.text : JSON.stringify(part))).join('');

describe('kill -9 of an upstream behind switchyard mcp', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const upstream = {
    command: process.execPath,
    args: ['--import', TSX, FIXTURE],
    pingIntervalMs: 0,
    restart: { initialDelayMs: 300, maxDelayMs: 2000 },
  };
  writeFileSync(
    join(dir, 'switchyard.config.json'),
    JSON.stringify({ mcpServers: { a: upstream, b: upstream } }),
  );

  it('keeps the other server answering, brings the killed one back within its backoff, and leaves no process', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', TSX, SWITCHYARD_CLI, 'mcp'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        SWITCHYARD_HOME: join(dir, 'home'),
        SWITCHYARD_LOG_LEVEL: 'warn',
      },
      cwd: dir,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'kill-test', version: '1' });
    await client.connect(transport);
    const bridgePid = transport.pid!;
    const call = async (name: string, args: Record<string, unknown> = {}) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult;
    try {
      const pidA = Number(textOf(await call('a__whoami')));
      const pidB = Number(textOf(await call('b__whoami')));
      expect(alive(pidA) && alive(pidB)).toBe(true);

      // A stream of calls to both; a is killed 0.5 s in. The stream runs at least 3 s, and on until
      // a answers again (bounded: its restart includes a node start, seconds on a loaded machine).
      const results: Array<{ server: string; at: number; error: string | undefined }> = [];
      const start = Date.now();
      setTimeout(() => process.kill(pidA, 'SIGKILL'), 500);
      const recovered = () => {
        const a = results.filter((r) => r.server === 'a');
        const firstFailure = a.findIndex((r) => r.error !== undefined);
        return firstFailure >= 0 && a.slice(firstFailure).some((r) => r.error === undefined);
      };
      while (Date.now() - start < 3000 || (!recovered() && Date.now() - start < 30_000)) {
        const [a, b] = await Promise.all([call('a__echo', { text: 'x' }), call('b__echo', { text: 'y' })]);
        const at = Date.now() - start;
        results.push({ server: 'a', at, error: a.isError ? textOf(a) : undefined });
        results.push({ server: 'b', at, error: b.isError ? textOf(b) : undefined });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }

      const b = results.filter((r) => r.server === 'b');
      expect(b.length).toBeGreaterThan(10);
      expect(b.filter((r) => r.error !== undefined)).toEqual([]);
      const aFailures = results.filter((r) => r.server === 'a' && r.error !== undefined);
      expect(aFailures.length).toBeGreaterThan(0);
      // Each failure is a result the caller can act on: it names the server and what happened —
      // unavailable while restarting, or the transport error of a call caught by the kill
      // (connection closed, EPIPE).
      for (const failure of aFailures)
        expect(failure.error).toMatch(
          /^upstream 'a' (is unavailable \(state (restarting|starting)|failed during tools\/call: )/,
        );
      // The last calls to a succeed again: it came back within its backoff.
      expect(results.filter((r) => r.server === 'a').at(-1)?.error).toBeUndefined();
      const pidA2 = Number(textOf(await call('a__whoami')));
      expect(pidA2).not.toBe(pidA);

      await client.close();
      const deadline = Date.now() + 15_000;
      while ([bridgePid, pidA2, pidB].some(alive) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect([bridgePid, pidA, pidA2, pidB].filter(alive)).toEqual([]);
    } finally {
      await client.close();
    }
  }, 90_000);
});
