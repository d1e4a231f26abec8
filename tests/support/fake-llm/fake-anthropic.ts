import {
  type FakeReply,
  type FakeTurn,
  type RecordedRequest,
  type ScriptedServer,
  type ScriptedTurn,
  startScriptedServer,
} from './scripted-server.js';

export type { FakeReply, FakeTurn, RecordedRequest, ScriptedTurn } from './scripted-server.js';
export { delayed } from './fake-openai.js';

/**
 * A local Anthropic Messages API: `POST /v1/messages` answered from a script, in its wire format
 * (content blocks `text` / `tool_use` with an object `input`, `stop_reason`, `usage`, errors as
 * `{type: 'error', error: {type, message}}`). Point the real `@anthropic-ai/sdk` at `baseURL`.
 *
 * @example
 * const server = await startFakeAnthropic({
 *   script: [anthropicToolUse([{ name: 'crm__get_account', input: { id: 'a1' } }]), anthropicText('Done.')],
 * });
 * const model = new AnthropicChatModel({ baseURL: server.baseURL, apiKey: 'test', model: 'claude-sonnet-4-5' });
 */

export interface FakeAnthropic extends ScriptedServer {
  /** What the SDK's `baseURL` takes (the SDK adds `/v1/messages`). */
  readonly baseURL: string;
  /** The parsed bodies of the Messages requests received, in order. */
  messageRequests(): AnthropicRequestBody[];
}

export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  system?: string | Array<Record<string, unknown>>;
  messages: Array<{ role: string; content: string | Array<Record<string, unknown>> }>;
  tools?: Array<{ name: string; description?: string; input_schema: unknown }>;
  temperature?: number;
  stream?: boolean;
  [key: string]: unknown;
}

export interface FakeAnthropicOptions {
  script?: FakeTurn[];
  /** Answers requests once the script is empty. */
  handler?: (request: RecordedRequest) => FakeReply;
}

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const server = await startScriptedServer({
    method: 'POST',
    path: '/v1/messages',
    ...options,
    unscripted: () =>
      anthropicError(500, 'api_error', 'fake-anthropic: no scripted reply left for this request'),
    notFound: (request) =>
      anthropicError(404, 'not_found_error', `fake-anthropic: no route ${request.method} ${request.path}`),
    toStream: messageToEvents,
  });
  return {
    ...server,
    baseURL: server.url,
    messageRequests: () =>
      server.requests.filter((r) => r.path === '/v1/messages').map((r) => r.body as AnthropicRequestBody),
  };
}

export interface AnthropicTurnOptions {
  /** @defaultValue { input_tokens: 10, output_tokens: 5 } */
  usage?: { input_tokens: number; output_tokens: number };
  /** @defaultValue 'end_turn' for text, 'tool_use' for tool use */
  stopReason?: string;
  /** @defaultValue the model the request named */
  model?: string;
}

let sequence = 0;

/** A message whose only block is `text`. */
export function anthropicText(text: string, options: AnthropicTurnOptions = {}): ScriptedTurn {
  return (request) => ({
    json: message(request, [{ type: 'text', text }], options.stopReason ?? 'end_turn', options),
  });
}

/** A message with `tool_use` blocks (after an optional text block). `input` is sent as given. */
export function anthropicToolUse(
  uses: Array<{ name: string; input: unknown; id?: string }>,
  options: AnthropicTurnOptions & { text?: string } = {},
): ScriptedTurn {
  return (request) => ({
    json: message(
      request,
      [
        ...(options.text ? [{ type: 'text', text: options.text }] : []),
        ...uses.map((use) => ({
          type: 'tool_use',
          id: use.id ?? `toolu_${(sequence += 1)}`,
          name: use.name,
          input: use.input,
        })),
      ],
      options.stopReason ?? 'tool_use',
      options,
    ),
  });
}

/** 429 with `retry-after` in seconds. */
export function anthropicRateLimited(
  retryAfterSeconds: number,
  headers: Record<string, string> = {},
): FakeReply {
  return {
    ...anthropicError(
      429,
      'rate_limit_error',
      'Number of request tokens has exceeded your per-minute rate limit',
    ),
    headers: { 'retry-after': String(retryAfterSeconds), ...headers },
  };
}

/** A server error: 500 `api_error` by default, 529 for `overloaded_error`. */
export function anthropicServerError(status = 500): FakeReply {
  return status === 529
    ? anthropicError(529, 'overloaded_error', 'Overloaded')
    : anthropicError(status, 'api_error', 'Internal server error');
}

/** A 200 whose body is cut off mid-JSON. */
export function anthropicMalformed(): FakeReply {
  return {
    raw: '{"id":"msg_broken","type":"message","role":"assistant","content":[{"type":"text","text":"hel',
  };
}

export function anthropicError(status: number, type: string, errorMessage: string): FakeReply {
  return { status, json: { type: 'error', error: { type, message: errorMessage } } };
}

function message(
  request: RecordedRequest,
  content: Array<Record<string, unknown>>,
  stopReason: string,
  options: AnthropicTurnOptions,
): Record<string, unknown> {
  const body = request.body as Partial<AnthropicRequestBody> | undefined;
  return {
    id: `msg_${(sequence += 1)}`,
    type: 'message',
    role: 'assistant',
    model: options.model ?? body?.model ?? 'unknown',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: options.usage ?? { input_tokens: 10, output_tokens: 5 },
  };
}

/**
 * A message as Messages stream events (message_start, a ping, each block's start / deltas / stop,
 * message_delta, message_stop): text and tool input JSON in two pieces each.
 */
export function messageToEvents(json: unknown): Array<{ event: string; data: unknown }> {
  const message = json as {
    content: Array<{ type: string; text?: string; id?: string; name?: string; input?: unknown }>;
    stop_reason: string;
    usage: { input_tokens: number; output_tokens: number };
  };
  const event = (type: string, data: Record<string, unknown>) => ({ event: type, data: { type, ...data } });
  const events = [
    event('message_start', {
      message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
    }),
    event('ping', {}),
  ];
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const text of halves(block.text ?? ''))
        events.push(event('content_block_delta', { index, delta: { type: 'text_delta', text } }));
    } else {
      events.push(
        event('content_block_start', {
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        }),
      );
      // A string input is sent as the JSON text itself: how a test streams malformed arguments.
      const jsonText = typeof block.input === 'string' ? block.input : JSON.stringify(block.input);
      for (const partial_json of halves(jsonText))
        events.push(
          event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }),
        );
    }
    events.push(event('content_block_stop', { index }));
  });
  events.push(
    event('message_delta', {
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: message.usage.output_tokens },
    }),
  );
  events.push(event('message_stop', {}));
  return events;
}

function halves(text: string): string[] {
  if (text === '') return [];
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)].filter(Boolean);
}
