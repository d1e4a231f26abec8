import {
  type FakeReply,
  type FakeTurn,
  type RecordedRequest,
  type ScriptedServer,
  type ScriptedTurn,
  startScriptedServer,
} from './scripted-server.js';

export type { FakeReply, FakeTurn, RecordedRequest, ScriptedTurn } from './scripted-server.js';

/**
 * A local OpenAI-compatible server: `POST /v1/chat/completions` answered from a script, in the
 * chat.completions wire format (tool calls with string `arguments`, `finish_reason`, `usage`,
 * errors as `{error: {message, type, code}}`). Point the real `openai` SDK at `baseURL`.
 *
 * @example
 * const server = await startFakeOpenAI({
 *   script: [openaiToolCalls([{ name: 'crm__get_account', arguments: { id: 'a1' } }]), openaiText('Done.')],
 * });
 * const model = new OpenAIChatModel({ baseURL: server.baseURL, apiKey: 'test', model: 'gpt-4o-mini' });
 */

export interface FakeOpenAI extends ScriptedServer {
  /** `<url>/v1`, what the SDK's `baseURL` takes. */
  readonly baseURL: string;
  /** The parsed bodies of the chat.completions requests received, in order. */
  chatRequests(): OpenAIRequestBody[];
}

/** The fields of a chat.completions request the tests look at. */
export interface OpenAIRequestBody {
  model: string;
  messages: Array<Record<string, unknown>>;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters: unknown } }>;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  stream?: boolean;
  [key: string]: unknown;
}

export interface FakeOpenAIOptions {
  script?: FakeTurn[];
  /** Answers requests once the script is empty. */
  handler?: (request: RecordedRequest) => FakeReply;
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const server = await startScriptedServer({
    method: 'POST',
    path: '/v1/chat/completions',
    ...options,
    unscripted: () =>
      openaiError(500, 'fake-openai: no scripted reply left for this request', 'server_error'),
    notFound: (request) =>
      openaiError(404, `fake-openai: no route ${request.method} ${request.path}`, 'not_found'),
    toStream: completionToChunks,
  });
  return {
    ...server,
    baseURL: `${server.url}/v1`,
    chatRequests: () =>
      server.requests
        .filter((r) => r.path === '/v1/chat/completions')
        .map((r) => r.body as OpenAIRequestBody),
  };
}

export interface OpenAITurnOptions {
  /** @defaultValue { prompt_tokens: 10, completion_tokens: 5 } */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** @defaultValue 'stop' for text, 'tool_calls' for tool calls */
  finishReason?: string;
  /** @defaultValue the model the request named */
  model?: string;
}

let sequence = 0;

/** A completion whose message is `content`. */
export function openaiText(content: string, options: OpenAITurnOptions = {}): ScriptedTurn {
  return (request) => ({
    json: completion(request, { role: 'assistant', content }, options.finishReason ?? 'stop', options),
  });
}

/**
 * A completion asking for tool calls. `arguments` given as an object is JSON-encoded, as OpenAI
 * does; given as a string it is sent verbatim (to send malformed arguments).
 */
export function openaiToolCalls(
  calls: Array<{ name: string; arguments: Record<string, unknown> | string; id?: string }>,
  options: OpenAITurnOptions & { content?: string | null } = {},
): ScriptedTurn {
  return (request) => ({
    json: completion(
      request,
      {
        role: 'assistant',
        content: options.content ?? null,
        tool_calls: calls.map((call) => ({
          id: call.id ?? `call_${(sequence += 1)}`,
          type: 'function',
          function: {
            name: call.name,
            arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
          },
        })),
      },
      options.finishReason ?? 'tool_calls',
      options,
    ),
  });
}

/** 429 with `retry-after` in seconds (OpenAI also sends `retry-after-ms`; add it through `headers`). */
export function openaiRateLimited(
  retryAfterSeconds: number,
  headers: Record<string, string> = {},
): FakeReply {
  return {
    ...openaiError(429, 'Rate limit reached for requests', 'rate_limit_exceeded'),
    headers: { 'retry-after': String(retryAfterSeconds), ...headers },
  };
}

/** A server error (500 by default) in OpenAI's error shape. */
export function openaiServerError(
  status = 500,
  message = 'The server had an error while processing your request.',
): FakeReply {
  return openaiError(status, message, 'server_error');
}

/** A 200 whose body is cut off mid-JSON. */
export function openaiMalformed(): FakeReply {
  return {
    raw: '{"id":"chatcmpl-broken","object":"chat.completion","choices":[{"index":0,"message":{"role":',
  };
}

export function openaiError(status: number, message: string, type: string): FakeReply {
  return { status, json: { error: { message, type, param: null, code: type } } };
}

/** The same reply, `delayMs` later (a slow server). */
export function delayed(turn: FakeTurn, delayMs: number): ScriptedTurn {
  return (request) => ({ ...(typeof turn === 'function' ? turn(request) : turn), delayMs });
}

function completion(
  request: RecordedRequest,
  message: Record<string, unknown>,
  finishReason: string,
  options: OpenAITurnOptions,
): Record<string, unknown> {
  const body = request.body as Partial<OpenAIRequestBody> | undefined;
  const usage = options.usage ?? { prompt_tokens: 10, completion_tokens: 5 };
  return {
    id: `chatcmpl-${(sequence += 1)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: options.model ?? body?.model ?? 'unknown',
    choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** A completion as `chat.completion.chunk` events: text and arguments in two pieces each, usage last, then [DONE]. */
export function completionToChunks(json: unknown): Array<{ data: unknown }> {
  const completion = json as {
    id: string;
    model: string;
    created: number;
    choices: Array<{
      message: {
        content: string | null;
        tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
      };
      finish_reason: string;
    }>;
    usage?: unknown;
  };
  const choice = completion.choices[0]!;
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    data: {
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    },
  });
  const events: Array<{ data: unknown }> = [chunk({ role: 'assistant', content: '' })];
  for (const piece of halves(choice.message.content ?? '')) events.push(chunk({ content: piece }));
  (choice.message.tool_calls ?? []).forEach((call, index) => {
    events.push(
      chunk({
        tool_calls: [
          { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
        ],
      }),
    );
    for (const piece of halves(call.function.arguments))
      events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  events.push(chunk({}, choice.finish_reason));
  events.push({
    data: {
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices: [],
      usage: completion.usage,
    },
  });
  events.push({ data: '[DONE]' });
  return events;
}

function halves(text: string): string[] {
  if (text === '') return [];
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)].filter(Boolean);
}
