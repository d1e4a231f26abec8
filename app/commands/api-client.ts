import { isIP } from 'node:net';
import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { ConfigError, type ErrorCode, SwitchyardError, toErrorCode, ValidationError } from '#core';
import { commandContext } from '../context.js';

/**
 * The bridge's API did not answer (`bridge_unreachable`, `bridge_timeout`), answered with an
 * error body (the body's own code, so the CLI fails with the code every other front answers;
 * details: the HTTP status), or answered with something a bridge does not send (`bridge_bad_reply`).
 */
export class BridgeApiError extends SwitchyardError {
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(code, message, { details, cause });
  }
}

export interface ApiClientOptions {
  /** The API's base URL; a path prefix (a bridge behind a proxy) is kept. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`. @defaultValue none (an open API) */
  key?: string;
  /** Per request, from sending to the end of the body. @defaultValue 30_000 */
  timeoutMs?: number;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

/** Every error answer of the API (app/api/error-replies.ts). */
const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** A small client of the bridge's HTTP API: one request, one schema-checked answer. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly key: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    const { timeoutMs = 30_000 } = options;
    if (!(Number.isInteger(timeoutMs) && timeoutMs > 0))
      throw new RangeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.key = options.key;
    this.timeoutMs = timeoutMs;
    // Looked up at call time and called unbound: fetch is not a method of this client.
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    return this.request('GET', path, schema);
  }

  post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    return this.request('POST', path, schema, body);
  }

  /** Rejects with BridgeApiError for every failure, its message ready to show as it is. */
  async request<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.key !== undefined) headers.authorization = `Bearer ${this.key}`;
    // The API takes only JSON on POST/PUT/DELETE (a browser form cannot send it cross-site), so
    // every such request says so, with `{}` when there is nothing to send.
    const payload = method === 'GET' ? undefined : JSON.stringify(body ?? {});
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    try {
      // One signal for the request and the body: a bridge that stalls mid-answer times out too.
      const response = await this.fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw this.unreachable(error);
    }
    const answer = parseJson(text);
    if (status < 200 || status >= 300) {
      const failure = ErrorBodySchema.safeParse(answer);
      if (failure.success) {
        const { code, message, details } = failure.data.error;
        // A code this CLI does not know (a newer bridge) is `internal`, the bridge's code still in the message.
        throw new BridgeApiError(toErrorCode(code), `the bridge answered ${status} ${code}: ${message}`, {
          status,
          code,
          ...(details ? { details } : {}),
        });
      }
      // An error status without the API's error body: a proxy in front of the bridge, or not a bridge.
      throw new BridgeApiError(
        'bridge_bad_reply',
        `the bridge answered ${status}: ${oneLine(text, 200) || '(no body)'}`,
        { status },
      );
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success)
      throw new BridgeApiError(
        'bridge_bad_reply',
        `${method} ${this.baseUrl}${path} answered with something a Switchyard bridge does not send ` +
          `(is --url right?): ${answer === undefined ? `not JSON: ${oneLine(text, 80) || '(no body)'}` : z.prettifyError(parsed.error)}`,
        { status },
      );
    return parsed.data;
  }

  private unreachable(error: unknown): BridgeApiError {
    if (error instanceof Error && error.name === 'TimeoutError')
      return new BridgeApiError(
        'bridge_timeout',
        `the bridge at ${this.baseUrl} did not answer within ${this.timeoutMs} ms (see --timeout)`,
        { url: this.baseUrl },
        error,
      );
    const codes = errorCodes(error);
    if (codes.length > 0 && codes.every((code) => code === 'ECONNREFUSED'))
      return new BridgeApiError(
        'bridge_unreachable',
        `no bridge answers at ${this.baseUrl}: start one with \`switchyard start\` (or set --url)`,
        { url: this.baseUrl },
        error,
      );
    return new BridgeApiError(
      'bridge_unreachable',
      `cannot reach the bridge at ${this.baseUrl}: ${deepestMessage(error)}`,
      { url: this.baseUrl },
      error,
    );
  }
}

/** The options every API command has; `timeoutMs` is the command's default for --timeout. */
export interface ApiCommandOptions {
  url?: string;
  key?: string;
  timeout: number;
}

export function addApiOptions(command: Command, timeoutMs: number): Command {
  return command
    .option(
      '--url <url>',
      'the bridge API base URL (default: $SWITCHYARD_API_URL, else http://<api.host>:<api.port> from the config)',
      httpUrl,
    )
    .option(
      '--key <key>',
      'API key, sent as Authorization: Bearer (default: $SWITCHYARD_API_KEY, which other users cannot see in ps)',
    )
    .option('--timeout <ms>', 'how long to wait for the answer, in milliseconds', positiveInteger, timeoutMs);
}

/**
 * The client a command's options ask for. The URL is `--url`, else SWITCHYARD_API_URL, else the
 * config's api.host and api.port; the config is only loaded in that last case, so a bad config
 * file does not stop a command that was told where the bridge is.
 */
export function apiClientFor(command: Command, options: ApiCommandOptions, env = process.env): ApiClient {
  const baseUrl =
    options.url ??
    checkedUrl(env.SWITCHYARD_API_URL, 'SWITCHYARD_API_URL') ??
    apiUrlFromConfig(commandContext(command).config.api);
  const key = options.key ?? (env.SWITCHYARD_API_KEY || undefined);
  return new ApiClient({ baseUrl, key, timeoutMs: options.timeout });
}

/**
 * Where a bridge configured with `api` listens, seen from this machine: a wildcard bind
 * (0.0.0.0, ::) is reached on 127.0.0.1, an IPv6 address goes in brackets.
 */
export function apiUrlFromConfig(api: { host: string; port: number }): string {
  if (api.port === 0)
    throw new ConfigError(
      'api.port is 0 (a free port chosen at start), so the bridge cannot be found from the config: pass --url',
    );
  const bare = api.host.replace(/^\[|\]$/g, '');
  const host = bare === '0.0.0.0' || bare === '::' ? '127.0.0.1' : isIP(bare) === 6 ? `[${bare}]` : bare;
  return `http://${host}:${api.port}`;
}

/**
 * Lines `rows` up under `headers`, two spaces apart; the last column is not padded. Shared by
 * the API commands that print tables.
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[headers, ...rows].map(line).join('\n')}\n`;
}

/** Whitespace runs (newlines included) as one space, cut to `max` characters with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: the caller reports the status and the text itself.
    return undefined;
  }
}

/** The `code`s (ECONNREFUSED…) of an error, its causes and, for AggregateError, its errors. */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!(error instanceof Error) || depth > 5) return [];
  const own = 'code' in error && typeof error.code === 'string' ? [error.code] : [];
  // `localhost` tried on ::1 and 127.0.0.1 fails with an AggregateError of both refusals.
  const nested = error instanceof AggregateError ? (error.errors as unknown[]) : [];
  return [
    ...own,
    ...nested.flatMap((inner) => errorCodes(inner, depth + 1)),
    ...errorCodes(error.cause, depth + 1),
  ];
}

/** fetch rejects with a bare "fetch failed"; what went wrong is in its cause. */
function deepestMessage(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause instanceof Error; depth++)
    current = current.cause;
  return current instanceof Error ? current.message || current.name : String(current);
}

function checkedUrl(value: string | undefined, source: string): string | undefined {
  if (!value) return undefined;
  try {
    return httpUrl(value);
  } catch (error) {
    throw new ValidationError(`${source}: ${(error as Error).message}`, { source, value });
  }
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected an http(s) URL such as http://127.0.0.1:7400, got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError(`expected an http(s) URL, got the ${url.protocol} scheme`);
  if (url.search || url.hash)
    throw new InvalidArgumentError('expected a base URL without ?query or #fragment');
  return url.toString().replace(/\/+$/, '');
}

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a positive whole number');
  return Number(value);
}
