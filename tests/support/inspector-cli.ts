import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

/** The MCP Inspector's command-line client, a devDependency of the project (installed by `npm ci`). */
export const INSPECTOR_CLI_PACKAGE = '@modelcontextprotocol/inspector-cli';
const INSPECTOR_CLI_BIN = 'mcp-inspector-cli';

export interface InspectorCli {
  /** The package's `mcp-inspector-cli` bin script. */
  bin: string;
  version: string;
}

/**
 * The Inspector CLI installed in the project's node_modules. Throws a clear error when it is not
 * there: the tests that use it must fail, never skip, and never fetch it at run time.
 */
export function findInspectorCli(): InspectorCli {
  let manifestPath: string;
  try {
    manifestPath = createRequire(import.meta.url).resolve(`${INSPECTOR_CLI_PACKAGE}/package.json`);
  } catch (error) {
    throw new Error(
      `the MCP Inspector CLI (${INSPECTOR_CLI_PACKAGE}) is not installed in the project's node_modules; ` +
        'it is a devDependency in package.json: run `npm ci`',
      { cause: error },
    );
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    version: string;
    bin?: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[INSPECTOR_CLI_BIN];
  if (!bin) throw new Error(`${manifestPath} has no "${INSPECTOR_CLI_BIN}" bin`);
  return { bin: join(dirname(manifestPath), bin), version: manifest.version };
}

/** The MCP server the Inspector starts over stdio, and its whole environment. */
export interface InspectorTarget {
  command: string;
  args: string[];
  env: Record<string, string>;
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
 * Runs `mcp-inspector-cli --cli <command> <args…> <methodArgs…>` (e.g. `--method tools/list`) to its
 * end and returns its exit status and output; the Inspector prints the method's JSON result on
 * stdout. The Inspector, and so the server, get `target.env` (plus node's directory on PATH: the
 * launcher re-runs itself as `node`). Past `timeoutMs` the Inspector and everything it started are
 * killed and the promise rejects with what they printed.
 */
export async function runInspectorCli(
  target: InspectorTarget,
  methodArgs: string[],
  options: { timeoutMs?: number } = {},
): Promise<InspectorRun> {
  const { bin } = findInspectorCli();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, [bin, '--cli', target.command, ...target.args, ...methodArgs], {
    // Inspector CLI 1.0.x (and every version since 0.17) checks that `../package.json` exists
    // relative to the working directory but then imports it relative to its own build/index.js
    // (modelcontextprotocol/inspector#1334): from anywhere else it fails with "Cannot find module
    // …/@modelcontextprotocol/package.json". From its own build directory both mean its package.json.
    cwd: dirname(bin),
    env: { ...target.env, PATH: [dirname(process.execPath), target.env.PATH ?? ''].join(delimiter) },
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
export function inspectorResult<T>(run: InspectorRun): T {
  const output = `exit ${run.code ?? run.signal}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
  if (run.code !== 0)
    throw new Error(
      `the Inspector CLI failed (it does not show the server's stderr; run \`${run.server}\` to see it): ${output}`,
    );
  try {
    return JSON.parse(run.stdout) as T;
  } catch (error) {
    throw new Error(`the Inspector CLI printed no JSON result: ${output}`, { cause: error });
  }
}
