// The bridge as the fuzz tests (tests/integration/bridge/fuzz) attack it: a real `switchyard start`
// or `switchyard mcp` process with a temporary home, its own PostgreSQL schema and one cheap
// upstream (the memory built-in, in process), and an HTTP client that never waits past a deadline.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { alive, SWITCHYARD_CLI } from './mcp-server-process.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from './postgres.js';

const TSX = import.meta.resolve('tsx');
const DIST_CLI = join(import.meta.dirname, '../../dist/app/cli.js');
const DIST_CONFIG_SCHEMA = join(import.meta.dirname, '../../dist/app/config/config-schema.js');

/**
 * Which build the fuzzers attack: the built CLI (`dist/`, `npm run build`) unless
 * SWITCHYARD_FUZZ_FROM_SOURCE=1 or there is no build, then the sources through tsx as the other
 * process tests do. dist is the default because other people edit the sources while this runs.
 */
export const FROM_SOURCE = process.env.SWITCHYARD_FUZZ_FROM_SOURCE === '1' || !existsSync(DIST_CLI);
const CLI_ARGS = FROM_SOURCE ? ['--import', TSX, SWITCHYARD_CLI] : [DIST_CLI];
export const ENTRY = FROM_SOURCE ? 'app/cli.ts (tsx)' : 'dist/app/cli.js';

/** Generated inputs per front: the issue asks for at least 10,000; FUZZ_INPUTS lowers it for a quick local run. */
export const FUZZ_INPUTS = Number(process.env.FUZZ_INPUTS ?? 10_000);

/** The fast-check seed: FUZZ_SEED reproduces a run; otherwise a new one, printed with the counts. */
export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  return given === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(given);
}

/** Whether the config schema of the build under test has a field (config fields arrive over time). */
export async function configAccepts(config: unknown): Promise<boolean> {
  const url = FROM_SOURCE
    ? new URL('../../app/config/config-schema.ts', import.meta.url).href
    : pathToFileURL(DIST_CONFIG_SCHEMA).href;
  const schema = (await import(url)) as { ConfigSchema: { safeParse(value: unknown): { success: boolean } } };
  return schema.ConfigSchema.safeParse(config).success;
}

/** A bridge process under attack. */
export interface BridgeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last 64 KiB the process wrote to stderr (its JSON logs). */
  stderrTail(): string;
  /** Its log lines at error level or above, counted by message and error (what went wrong inside). */
  errorLogs(): ReadonlyMap<string, number>;
  /** Alive and not exited: the test's definition of "did not crash". */
  running(): boolean;
  /** SIGTERM (SIGKILL after 10 s), then removes its directory and its schema. */
  stop(): Promise<void>;
}

export interface ServiceProcess extends BridgeProcess {
  /** `http://127.0.0.1:PORT`, from the first log line with a `url`. */
  url: string;
  port: number;
}

interface Prepared {
  dir: string;
  schema: string;
  file: string;
  env: Record<string, string>;
}

function prepare(prefix: string, config: Record<string, unknown>, logLevel: string): Prepared {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-fuzz-${prefix}-`));
  // A schema name is lower-case letters, digits and _ (database.schema's pattern).
  const schema = uniqueSchema(`fuzz_${prefix.replace(/[^a-z0-9_]/g, '_')}`);
  const file = join(dir, 'switchyard.config.json');
  writeFileSync(file, JSON.stringify({ ...config, mcpServers: { memory: { builtin: 'memory' } } }, null, 2));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    SWITCHYARD_HOME: join(dir, 'home'),
    SWITCHYARD_LOG_LEVEL: logLevel,
    SWITCHYARD_VECTOR_BACKEND: 'memory',
    // PostgreSQL with a schema of its own starts in a second; embedded PGlite takes several.
    DATABASE_URL: TEST_DATABASE_URL,
    SWITCHYARD_DB_SCHEMA: schema,
  };
  return { dir, schema, file, env };
}

function watch(child: ChildProcess, prepared: Prepared): BridgeProcess & { stderr: () => string } {
  let tail = '';
  let all = '';
  let partialLine = '';
  const errorLogs = new Map<string, number>();
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-65_536);
    // Only the start-up lines are kept whole (the url is read from them).
    if (all.length < 1_000_000) all += chunk;
    const lines = (partialLine + chunk).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) {
      const key = errorLogKey(line);
      if (key !== undefined) errorLogs.set(key, (errorLogs.get(key) ?? 0) + 1);
    }
  });
  const exited = once(child, 'exit');
  const pid = child.pid ?? 0;
  return {
    child,
    pid,
    stderr: () => all,
    stderrTail: () => tail,
    errorLogs: () => errorLogs,
    running: () => child.exitCode === null && child.signalCode === null && alive(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(prepared.dir, { recursive: true, force: true });
      await dropSchema(prepared.schema);
    },
  };
}

/** `msg: err.message` of a JSON log line at level error (50) or fatal (60); undefined for any other line. */
function errorLogKey(line: string): string | undefined {
  if (!line.startsWith('{') || !/"level":(5|6)0/.test(line)) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return `${entry.msg ?? '?'}: ${(entry.err?.message ?? '').slice(0, 100)}`;
  } catch {
    return line.slice(0, 120);
  }
}

/** The error log lines of a run, for the printed report. */
export function describeErrorLogs(logs: ReadonlyMap<string, number>): string {
  return logs.size === 0
    ? 'none'
    : [...logs].map(([key, count]) => `${count}× ${JSON.stringify(key)}`).join('; ');
}

/** `switchyard start` with `config` (its `api` section) and the memory built-in; resolves once it listens. */
export async function startService(prefix: string, config: Record<string, unknown>): Promise<ServiceProcess> {
  // `info`: the listening line (with the url) is an info line.
  const prepared = prepare(prefix, config, 'info');
  const child = spawn(process.execPath, [...CLI_ARGS, '--config', prepared.file, 'start'], {
    cwd: prepared.dir,
    env: prepared.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const watched = watch(child, prepared);
  const deadline = Date.now() + 90_000;
  let url = '';
  while (!url && Date.now() < deadline && child.exitCode === null) {
    url = /"url":"(http:[^"]+)"/.exec(watched.stderr())?.[1] ?? '';
    if (!url) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!url) {
    const log = watched.stderr();
    await watched.stop();
    throw new Error(`switchyard start (${ENTRY}) printed no url:\n${log.slice(-4000)}`);
  }
  return { ...watched, url, port: Number(new URL(url).port) };
}

/** `switchyard mcp` over stdio with the memory built-in: stdin and stdout are the caller's. */
export function startStdio(prefix: string): BridgeProcess {
  const prepared = prepare(prefix, {}, 'error');
  const child = spawn(process.execPath, [...CLI_ARGS, '--config', prepared.file, 'mcp'], {
    cwd: prepared.dir,
    env: prepared.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return watch(child, prepared);
}

/** One HTTP exchange as the fuzzers send it. */
export interface HttpExchange {
  method: string;
  path: string;
  /** An array value is sent as that many header lines. */
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** Send the body chunked (no content-length). */
  chunked?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** A GET that opened an event stream: the headers were read, then the stream was closed. */
  stream: boolean;
}

/** An answer, no answer within the deadline (a hang), or a connection that ended without one. */
export type HttpOutcome =
  | { kind: 'answer'; answer: HttpAnswer }
  | { kind: 'hang' }
  /** `previous`: the request the same pooled connection carried before, when it was reused. */
  | { kind: 'reset'; error: string; previous?: string | undefined };

/** What each pooled connection carried last, to name the request after which a server closed it. */
const lastRequestOn = new WeakMap<net.Socket, string>();

/** Bodies past this are cut (a fuzzer reads error bodies, not downloads). */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * Sends one request on `agent` and settles within `deadlineMs` whatever the server does: a GET
 * answered with an event stream settles at its headers (a standalone stream never ends).
 */
export function exchange(
  agent: http.Agent | false,
  port: number,
  request: HttpExchange,
  deadlineMs: number,
  label = '',
): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const headers: Record<string, string | string[] | number> = { ...request.headers };
    // Node frames a body without a length as chunked only for POST, PUT and PATCH; any other
    // method gets its length, or its body would reach the server as the start of another request.
    const chunked = request.chunked === true && ['POST', 'PUT', 'PATCH'].includes(request.method);
    if (request.body !== undefined && !chunked) headers['content-length'] = request.body.length;
    let req: http.ClientRequest;
    try {
      req = http.request({
        agent,
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        headers,
        // Host as the fuzzer chose it (or the default) is sent as is.
        setHost: request.headers.host === undefined,
      });
    } catch (error) {
      // The client refused to send it (an invalid header or path): not the server's doing.
      settle({ kind: 'reset', error: `client refused: ${(error as Error).message}` });
      return;
    }
    const timer = setTimeout(() => {
      settle({ kind: 'hang' });
      req.destroy();
    }, deadlineMs);
    let previous: string | undefined;
    req.on('socket', (socket) => {
      previous = lastRequestOn.get(socket);
      lastRequestOn.set(socket, label);
    });
    req.on('error', (error) => settle({ kind: 'reset', error: error.message, previous }));
    req.on('response', (res) => {
      const isStream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      if (isStream && request.method === 'GET' && res.statusCode === 200) {
        settle({
          kind: 'answer',
          answer: { status: 200, headers: res.headers, body: Buffer.alloc(0), stream: true },
        });
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      res.on('error', (error) =>
        settle({ kind: 'reset', error: `while reading the answer: ${error.message}` }),
      );
      res.on('end', () =>
        settle({
          kind: 'answer',
          answer: {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            stream: false,
          },
        }),
      );
    });
    if (request.body !== undefined && request.body.length > 0) req.write(request.body);
    req.end();
  });
}

/** Runs `task` over `items` with at most `concurrency` at once, in order of start. */
export async function eachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Counts by name, and the first few examples of each failure kind, for the report and the assertion. */
export class FuzzTally {
  readonly counts = new Map<string, number>();
  readonly failures = new Map<string, { count: number; examples: string[] }>();

  add(name: string, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** A failure: grouped by `kind` (what went wrong, without the input), with up to 3 examples. */
  fail(kind: string, example: string): void {
    const entry = this.failures.get(kind) ?? { count: 0, examples: [] };
    entry.count += 1;
    if (entry.examples.length < 3) entry.examples.push(example.slice(0, 600));
    this.failures.set(kind, entry);
  }

  get failureCount(): number {
    let total = 0;
    for (const entry of this.failures.values()) total += entry.count;
    return total;
  }

  /** Every failure kind with its count and examples, one block each (empty when there are none). */
  failureReport(): string {
    return [...this.failures.entries()]
      .sort((a, b) => b[1].count - a[1].count)
      .map(
        ([kind, { count, examples }]) => `${count} × ${kind}\n${examples.map((e) => `    ${e}`).join('\n')}`,
      )
      .join('\n');
  }
}

/** A JSON-RPC error body: `{jsonrpc:'2.0', error:{code:integer, message:string}, id}`; why not, or undefined. */
export function jsonRpcErrorProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const body = value as Record<string, unknown>;
  if (body.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  if (!('id' in body)) return 'no id';
  if (body.id !== null && typeof body.id !== 'string' && typeof body.id !== 'number')
    return 'id is not null, string or number';
  const error = body.error as Record<string, unknown> | undefined;
  if (typeof error !== 'object' || error === null) return 'no error object';
  if (!Number.isInteger(error.code)) return 'error.code is not an integer';
  if (typeof error.message !== 'string') return 'error.message is not a string';
  if ('result' in body) return 'both result and error';
  return undefined;
}

/** The API's error body: `{error:{code:string, message:string}}`; why not, or undefined. */
export function apiErrorProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const error = (value as Record<string, unknown>).error as Record<string, unknown> | undefined;
  if (typeof error !== 'object' || error === null) return 'no error object';
  if (typeof error.code !== 'string') return 'error.code is not a string';
  if (typeof error.message !== 'string') return 'error.message is not a string';
  return undefined;
}

/** JSON.parse, or undefined. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The API's body limit (api.bodyLimitBytes at its default); the fuzzers send bodies past it. */
export const BODY_LIMIT = 1_048_576;

/** The API key every fuzz service accepts, with every scope. */
export const FUZZ_KEY = '730e497ec25103fc45aeec0b8b1fd62325a989bc2d56609a';

/** The request timeout the fuzz services are configured with (when the build has `api.limits`). */
export const REQUEST_TIMEOUT_MS = 2000;

/**
 * The `api` section of a fuzz service: one key with every scope, and limits far above what the
 * fuzzers send, so they measure the fronts, not 429s. `api.limits` goes in only when the build's
 * schema has it (see {@link configAccepts}); `limitsApplied` says whether it did.
 */
export async function fuzzServiceConfig(): Promise<{
  config: Record<string, unknown>;
  limitsApplied: boolean;
}> {
  const api = {
    port: 0,
    keys: [{ name: 'fuzz', key: FUZZ_KEY, scopes: ['read', 'call', 'admin'] }],
    rateLimit: { max: 10_000_000, timeWindowMs: 60_000 },
  };
  const limits = {
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    headersTimeoutMs: REQUEST_TIMEOUT_MS,
    mcpRateLimit: { max: 10_000_000, timeWindowMs: 60_000 },
    authFailures: { max: 10_000_000, timeWindowMs: 60_000 },
  };
  const limitsApplied = await configAccepts({ api: { ...api, limits } });
  return { config: { api: limitsApplied ? { ...api, limits } : api }, limitsApplied };
}

/** What a stalled request got: an HTTP status line, a closed connection, or nothing by the deadline. */
export type StallOutcome =
  | { kind: 'answered'; status: number; head: string; ms: number }
  | { kind: 'closed'; ms: number }
  | { kind: 'hang'; ms: number };

/**
 * Sends `head` (request line and headers, as written) and `parts` over a raw socket, `everyMs`
 * apart, then stalls: the server must answer or close by `deadlineMs`.
 */
export function stalledRequest(
  port: number,
  head: string,
  parts: readonly string[],
  options: { everyMs: number; deadlineMs: number },
): Promise<StallOutcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    const settle = (outcome: StallOutcome) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (status)
        settle({
          kind: 'answered',
          status: Number(status[1]),
          head: received.slice(0, 300),
          ms: Date.now() - started,
        });
    });
    socket.on('close', () => settle({ kind: 'closed', ms: Date.now() - started }));
    socket.on('error', () => settle({ kind: 'closed', ms: Date.now() - started }));
    socket.on('connect', () => {
      socket.write(head);
      parts.forEach((part, index) => {
        timers.push(setTimeout(() => socket.writable && socket.write(part), (index + 1) * options.everyMs));
      });
    });
    timers.push(setTimeout(() => settle({ kind: 'hang', ms: Date.now() - started }), options.deadlineMs));
  });
}

/**
 * A short name for an error body, the same for every answer with the same cause: the API's or
 * JSON-RPC's error code, Fastify's own `code` or `error` text, or the start of the body.
 */
export function bodySignature(body: Buffer): string {
  const value = parseJson(body);
  if (value === undefined) return body.length === 0 ? 'an empty body' : `no JSON (${describeStart(body)})`;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `JSON ${describeStart(body)}`;
  const record = value as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'object' && error !== null && 'code' in error)
    return `${record.jsonrpc === '2.0' ? 'JSON-RPC' : 'API'} error ${String((error as { code: unknown }).code)}`;
  if (typeof record.code === 'string') return `Fastify's default body (${record.code})`;
  if (typeof error === 'string') return `Fastify's default body (${error})`;
  return `JSON ${describeStart(body)}`;
}

function describeStart(body: Buffer): string {
  return JSON.stringify(body.subarray(0, 60).toString('utf8'));
}
