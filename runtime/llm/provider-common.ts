import { type Logger, silentLogger } from '#core';
import type {
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
  StopReason,
  TokenUsage,
  ToolCallRequest,
} from './chat-model.js';
import {
  ModelAbortedError,
  ModelBadOutputError,
  ModelBadRequestError,
  ModelError,
  preview,
} from './model-errors.js';
import { PriceTable } from './price-table.js';
import { DEFAULT_RETRY_POLICY, RetryPolicy, type Sleep } from './retry-policy.js';
import { type SdkErrorClasses, translateSdkError } from './sdk-errors.js';

/** Options every provider takes; each provider adds its own. */
export interface ChatModelOptions {
  /** The model id sent with every request. */
  model: string;
  /** The API key. Pass it explicitly: the SDKs' own environment lookups are bypassed. */
  apiKey: string;
  /** The server's base URL. @defaultValue the provider's public API */
  baseURL?: string;
  /** `max_tokens` of requests that do not set `maxTokens`. @defaultValue 4096 */
  maxTokens?: number;
  /** How long one attempt may take, in milliseconds. @defaultValue 60000 */
  timeoutMs?: number;
  /** Retries after the first attempt (429, 5xx, timeouts, dropped connections). @defaultValue 2 */
  maxRetries?: number;
  /** The longest `retry-after` the model waits out; longer fails with `model_rate_limited` and `retryAfterMs`. @defaultValue 60000 */
  maxRetryWaitMs?: number;
  /** Prices for `costUsd`. @defaultValue a table of {@link EXAMPLE_PRICES} only */
  priceTable?: PriceTable;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Waits before a retry; inject to test backoff without real time. @defaultValue a real timer */
  sleep?: Sleep;
  /** Jitter source in [0, 1). @defaultValue Math.random */
  random?: () => number;
  /** Clock for latencies and `retry-after` dates. @defaultValue Date.now */
  now?: () => number;
}

export interface ResolvedChatModelOptions {
  model: string;
  apiKey: string;
  maxTokens: number;
  timeoutMs: number;
  priceTable: PriceTable;
  logger: Logger;
  retry: RetryPolicy;
  now: () => number;
}

export const DEFAULT_MAX_TOKENS = 4096;
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Applies defaults and validates; throws a RangeError naming the field that is wrong. */
export function resolveChatModelOptions(
  className: string,
  options: ChatModelOptions,
): ResolvedChatModelOptions {
  if (typeof options.model !== 'string' || options.model.trim() === '')
    throw new RangeError(`${className}: model must be a non-empty string`);
  if (typeof options.apiKey !== 'string')
    throw new RangeError(
      `${className}: apiKey must be a string (use any placeholder for servers without keys)`,
    );
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new RangeError(`${className}: maxTokens must be a positive integer, got ${String(maxTokens)}`);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new RangeError(`${className}: timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
  if (options.baseURL !== undefined && !URL.canParse(options.baseURL))
    throw new RangeError(`${className}: baseURL is not a URL: ${options.baseURL}`);
  return {
    model: options.model,
    apiKey: options.apiKey,
    maxTokens,
    timeoutMs,
    priceTable: options.priceTable ?? new PriceTable(),
    logger: options.logger ?? silentLogger,
    retry: new RetryPolicy({
      maxRetries: options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries,
      maxRetryWaitMs: options.maxRetryWaitMs ?? DEFAULT_RETRY_POLICY.maxRetryWaitMs,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.random ? { random: options.random } : {}),
    }),
    now: options.now ?? Date.now,
  };
}

/** Rejects a tool name neither provider accepts before any request is sent (it would be a 400). */
export function checkToolNames(context: { provider: string; model: string }, request: ChatRequest): void {
  for (const tool of request.tools ?? []) {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name))
      throw new ModelBadRequestError(context, `tool name '${tool.name}' must match ^[a-zA-Z0-9_-]{1,64}$`);
  }
}

/** What one provider attempt yields once its body is read. */
export interface ParsedTurn {
  content: string;
  toolCalls: ToolCallRequest[];
  stopReason: StopReason;
  usage: TokenUsage;
  /** The model the provider says answered, when it says. */
  model: string | undefined;
}

type Context = { provider: string; model: string };

/** The options both SDKs take with each call: the attempt's timeout and the caller's signal. */
export interface SdkRequestOptions {
  timeout: number;
  signal?: AbortSignal;
}

/** How a provider makes one call through its SDK; what the SDK throws is translated here. */
export interface SdkCall<T> {
  /** The SDK's error classes (its default export carries them), for {@link translateSdkError}. */
  sdkErrors: SdkErrorClasses;
  /** Sends the request once; may throw the SDK's errors. */
  send: (requestOptions: SdkRequestOptions) => Promise<T>;
}

/**
 * The part of `chat()` every provider shares: checks, retries, error translation, cost and the log line.
 */
export async function runChat(
  model: Context,
  options: ResolvedChatModelOptions,
  request: ChatRequest,
  parts: SdkCall<unknown> & {
    /** Reads the answer body; throws only {@link ModelBadOutputError}s. */
    parse: (answer: unknown, context: Context) => ParsedTurn;
  },
): Promise<ChatResponse> {
  const context = { provider: model.provider, model: model.model };
  checkToolNames(context, request);
  const started = options.now();
  const { send } = translatedSdkCall(context, options, request, parts);
  const { value: turn, attempts } = await options.retry.run(
    context,
    async () => parts.parse(await send(), context),
    { signal: request.signal, logger: options.logger },
  );
  return toResponse(context, options, turn, attempts, started);
}

/** Reads a provider's stream chunks into neutral events; one reader per stream. */
export interface StreamReader {
  /** The events one chunk completes (text deltas, finished tool calls). Throws ModelBadOutputError. */
  push(chunk: unknown): StreamPiece[];
  /** At the end of the stream: the events left and the whole turn. Throws ModelBadOutputError if the stream was cut short. */
  finish(): { events: StreamPiece[]; turn: ParsedTurn };
}

export type StreamPiece = Exclude<ChatStreamEvent, { type: 'done' }>;

/**
 * The part of `stream()` every provider shares. Retries cover opening the stream (a 429 or 5xx
 * arrives before any event); once events have been yielded a failure is thrown, not retried,
 * because the caller has already seen part of the answer.
 */
export async function* runStream(
  model: Context,
  options: ResolvedChatModelOptions,
  request: ChatRequest,
  parts: SdkCall<AsyncIterable<unknown>> & { reader: StreamReader },
): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const context = { provider: model.provider, model: model.model };
  checkToolNames(context, request);
  const started = options.now();
  const { send, translate } = translatedSdkCall(context, options, request, parts);
  const { value: chunks, attempts } = await options.retry.run(context, send, {
    signal: request.signal,
    logger: options.logger,
  });
  const fail = (error: unknown): ModelError => {
    const failure = error instanceof ModelError ? error : translate(error);
    failure.recordAttempts(attempts);
    return failure;
  };
  try {
    for await (const chunk of chunks) yield* parts.reader.push(chunk);
  } catch (error) {
    throw fail(error);
  }
  // The SDKs end an aborted stream quietly instead of throwing.
  if (request.signal?.aborted)
    throw fail(new ModelAbortedError({ ...context, cause: request.signal.reason }));
  let finished;
  try {
    finished = parts.reader.finish();
  } catch (error) {
    throw fail(error);
  }
  yield* finished.events;
  yield { type: 'done', response: toResponse(context, options, finished.turn, attempts, started) };
}

/**
 * One call through the SDK with what it throws translated into {@link ModelError}s (the retry
 * policy sees only those), and the same translation for errors a stream throws while it is read.
 */
function translatedSdkCall<T>(
  context: Context,
  options: ResolvedChatModelOptions,
  request: ChatRequest,
  call: SdkCall<T>,
): { send: () => Promise<T>; translate: (error: unknown) => ModelError } {
  const translate = (error: unknown): ModelError =>
    translateSdkError(error, call.sdkErrors, {
      ...context,
      timeoutMs: options.timeoutMs,
      signal: request.signal,
      now: options.now,
    });
  const send = async (): Promise<T> => {
    try {
      return await call.send({
        timeout: options.timeoutMs,
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (error) {
      throw translate(error);
    }
  };
  return { send, translate };
}

function toResponse(
  context: Context,
  options: ResolvedChatModelOptions,
  turn: ParsedTurn,
  attempts: number,
  started: number,
): ChatResponse {
  const { priceTable, logger, now } = options;
  const answered = turn.model ?? context.model;
  // Price by the configured name when the answering snapshot (gpt-4o-2024-08-06) has no entry.
  const costUsd = priceTable.costOf(answered, turn.usage) ?? priceTable.costOf(context.model, turn.usage);
  logger.debug(
    { ...context, answered, attempts, usage: turn.usage, costUsd, ms: now() - started },
    'model answered',
  );
  return {
    message: {
      role: 'assistant',
      content: turn.content,
      ...(turn.toolCalls.length ? { toolCalls: turn.toolCalls } : {}),
    },
    stopReason: turn.stopReason,
    usage: turn.usage,
    model: answered,
    ...(costUsd === undefined ? {} : { costUsd }),
    attempts,
  };
}

/**
 * Parses a tool call's arguments from JSON text (OpenAI's `arguments`, Anthropic's streamed
 * `partial_json`); an empty text means no arguments. Anything but a JSON object is bad output.
 */
export function parseToolArguments(context: Context, id: string, name: string, raw: string): ToolCallRequest {
  if (raw.trim() === '') return { id, name, arguments: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ModelBadOutputError(
      context,
      `arguments of tool call '${name}' (${id}) are not JSON: ${(error as Error).message}; got ${preview(raw)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ModelBadOutputError(
      context,
      `arguments of tool call '${name}' (${id}) are not a JSON object; got ${preview(raw)}`,
    );
  return { id, name, arguments: value as Record<string, unknown> };
}

/**
 * The shape both SDKs log through, fed into our logger: left alone they would use `console`,
 * and a stdio MCP server must not find SDK lines in its output.
 */
export function sdkLogger(logger: Logger, provider: string) {
  const log =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (message: string, ...rest: unknown[]) =>
      logger[level]({ sdk: provider, ...(rest.length ? { rest: rest.map(String) } : {}) }, message);
  return { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') };
}
