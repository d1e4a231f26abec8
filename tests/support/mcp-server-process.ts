import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

// Resolved from the project, since the server runs in a temporary working directory.
const TSX = import.meta.resolve('tsx');
export const SWITCHYARD_CLI = join(import.meta.dirname, '../../app/cli.ts');

export interface ServerProcessOptions {
  /** The script that has the `server` command. @defaultValue app/cli.ts */
  entry?: string;
  /** Extra environment, given the temporary home directory. */
  env?: (home: string) => Record<string, string>;
  /** Extra arguments after `server <name>` (e.g. `--token t` with http). */
  args?: string[];
}

/** A `switchyard server <name>` child process with an SDK client connected to it. */
export interface RunningServer {
  client: Client;
  pid: number;
  /** Everything the process wrote to stderr so far (its JSON logs). */
  stderr(): string;
  /** Closes the client and ends the process as a user's client would; resolves once it is gone. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function processEnv(home: string, options: ServerProcessOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    SWITCHYARD_HOME: join(home, 'home'),
    SWITCHYARD_LOG_LEVEL: 'info',
    ...options.env?.(home),
  };
}

function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => (text += chunk));
  return () => text;
}

/** Starts the server over stdio with the SDK's StdioClientTransport, the way MCP clients do. */
export async function startStdioServer(
  name: string,
  options: ServerProcessOptions = {},
): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-${name}-stdio-`));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', TSX, options.entry ?? SWITCHYARD_CLI, 'server', name, ...(options.args ?? [])],
    env: processEnv(dir, options),
    cwd: dir,
    stderr: 'pipe',
  });
  // With stderr: 'pipe' the SDK hands out a PassThrough (a Readable) before the process starts.
  const stderr = collect(transport.stderr instanceof Readable ? transport.stderr : null);
  const client = new Client({ name: 'switchyard-contract', version: '1' });
  try {
    await client.connect(transport);
  } catch (error) {
    await transport.close();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${name} did not start over stdio: ${String(error)}\n${stderr()}`, { cause: error });
  }
  const pid = transport.pid ?? 0;
  return {
    client,
    pid,
    stderr,
    async stop() {
      // The SDK ends stdin, waits 2 s, then signals: a clean server is gone before that.
      await client.close();
      rmSync(dir, { recursive: true, force: true });
      return { code: null, signal: null };
    },
  };
}

/**
 * Starts the server with `--http 0` and learns its URL from the JSON log line on stderr that has a
 * `url` field (`{"url":"http://127.0.0.1:PORT/mcp","msg":"listening on …"}`).
 */
export async function startHttpServer(
  name: string,
  options: ServerProcessOptions = {},
): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-${name}-http-`));
  const child = spawn(
    process.execPath,
    [
      '--import',
      TSX,
      options.entry ?? SWITCHYARD_CLI,
      'server',
      name,
      '--http',
      '0',
      ...(options.args ?? []),
    ],
    { cwd: dir, env: processEnv(dir, options), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let url: string;
  try {
    url = await listeningUrl(child, stderr);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const client = new Client({ name: 'switchyard-contract', version: '1' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  } catch (error) {
    // No orphan when the connection is refused (e.g. a test of a wrong token).
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    client,
    pid: child.pid ?? 0,
    stderr,
    async stop() {
      // DELETE ends the session (and runs its cleanup) before the process is asked to stop.
      await (client.transport as StreamableHTTPClientTransport).terminateSession();
      await client.close();
      child.kill('SIGTERM');
      const [code, signal] = await withTimeout(exited, 10_000, `${name} did not exit after SIGTERM`);
      rmSync(dir, { recursive: true, force: true });
      if (stdout() !== '') throw new Error(`${name} wrote to stdout over HTTP: ${stdout()}`);
      return { code, signal };
    },
  };
}

async function listeningUrl(child: ChildProcess, stderr: () => string): Promise<string> {
  // Generous: tsx compiles the CLI and the server opens PGlite (seconds) before it listens, and
  // on a loaded two-core CI machine that once took longer than 30 s. The hook timeout is 120 s.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    // The last piece may be a line still being written; only complete lines are parsed.
    for (const line of stderr().split('\n').slice(0, -1)) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as { url?: unknown };
      if (typeof parsed.url === 'string') return parsed.url;
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the server printed no listening URL (exit ${child.exitCode}):\n${stderr()}`);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}
