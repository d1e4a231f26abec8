import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, type TestContext } from 'vitest';
import {
  type ConformanceTool,
  findConformanceTool,
  formatScenarioTable,
  runServerScenarios,
} from '../../../support/conformance.js';
import { serveConformanceServer } from '../../../support/conformance-server.js';
import { freePort } from '../../../support/free-port.js';
import { SWITCHYARD_CLI } from '../../../support/mcp-server-process.js';

// The official MCP conformance suite against a server, then against `switchyard start`'s `/mcp`
// fronting that same server: whatever the server passes on its own, the bridge must pass too.
// The suite's scenarios call the fixtures of its own test server (test_simple_text, …), which is
// not published: tests/support/conformance-server.ts implements them, so every relay is exercised
// (sampling, elicitation, progress, logs, resources, prompts, completion). server-everything, the
// reference server, passes the scenarios that need no fixture; the others are listed, not asserted.

const TSX = import.meta.resolve('tsx');
const EVERYTHING = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);
// Two loaded cores: two suite runs of 30 scenarios and a bridge started through tsx.
const TIMEOUT_MS = 480_000;

interface Started {
  child: ChildProcess;
  output: () => string;
}

/** Spawns a process and waits until its output matches `ready`; ended when the test finishes. */
async function startProcess(
  args: string[],
  options: { cwd?: string; env: Record<string, string>; ready: RegExp; what: string },
): Promise<Started & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  });
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const match = options.ready.exec(text);
    if (match) return { child, output: () => text, match };
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`${options.what} did not start (exit ${child.exitCode}):\n${text.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Runs the suite against `upstreamUrl`, then against `switchyard start`'s `/mcp` fronting it
 * (unprefixed: the suite calls tools, prompts and resources by the names the server gives them),
 * prints both, and asserts that every scenario that passes directly passes through the bridge.
 */
async function compareThroughBridge(what: string, upstreamUrl: string, tool: ConformanceTool): Promise<void> {
  const direct = await runServerScenarios(tool, { url: upstreamUrl });

  const dir = mkdtempSync(join(tmpdir(), 'switchyard-conformance-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'switchyard.config.json'),
    JSON.stringify({ api: { port: 0 }, mcpServers: { upstream: { url: upstreamUrl, prefix: false } } }),
  );
  const bridge = await startProcess(['--import', TSX, SWITCHYARD_CLI, 'start'], {
    cwd: dir,
    env: { HOME: dir, SWITCHYARD_HOME: join(dir, 'home'), SWITCHYARD_VECTOR_BACKEND: 'memory' },
    ready: /"mcp":"(http:[^"]+)"/,
    what: 'switchyard start',
  });
  const bridged = await runServerScenarios(tool, { url: bridge.match[1]! });

  const results = [...direct.scenarios.values()];
  const failingDirectly = results.filter((r) => !r.passed);
  console.log(
    `MCP conformance ${tool.version}: ${what} directly and through the bridge's /mcp\n` +
      `${formatScenarioTable({ direct, bridge: bridged })}\n` +
      (failingDirectly.length === 0
        ? 'every scenario passes directly'
        : `failing directly (not asserted):\n${failingDirectly
            .map((r) => `  ${r.scenario}: ${r.messages.join('; ')}`)
            .join('\n')}`),
  );

  const passingDirectly = results.filter((r) => r.passed).map((r) => r.scenario);
  expect(passingDirectly, direct.output.slice(-3000)).not.toEqual([]);
  const regressions = passingDirectly
    .map((name) => bridged.scenarios.get(name) ?? { scenario: name, passed: false, messages: ['not run'] })
    .filter((result) => !result.passed)
    .map((result) => `${result.scenario}: ${result.messages.join('; ')}`);
  expect(regressions, `bridge log:\n${bridge.output().slice(-3000)}`).toEqual([]);
}

/** The suite, or a skip that says how to install it. */
function conformanceTool(ctx: TestContext): ConformanceTool {
  const tool = findConformanceTool();
  if (!('missing' in tool)) return tool;
  console.warn(`conformance.test.ts skipped: ${tool.missing}`);
  return ctx.skip(tool.missing);
}

describe('the MCP conformance suite through the bridge', () => {
  it(
    'passes through /mcp every scenario the conformance fixtures pass on their own',
    async (ctx) => {
      const tool = conformanceTool(ctx);
      const fixtures = await serveConformanceServer();
      onTestFinished(() => fixtures.close());
      await compareThroughBridge(
        "the suite's fixtures (tests/support/conformance-server.ts)",
        fixtures.url,
        tool,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'passes through /mcp every scenario server-everything passes on its own',
    async (ctx) => {
      const tool = conformanceTool(ctx);
      // server-everything over Streamable HTTP; it listens on PORT (all interfaces).
      const port = await freePort();
      await startProcess([EVERYTHING, 'streamableHttp'], {
        env: { PORT: String(port) },
        ready: /listening on port/,
        what: 'server-everything',
      });
      await compareThroughBridge('server-everything', `http://127.0.0.1:${port}/mcp`, tool);
    },
    TIMEOUT_MS,
  );
});
