import { afterEach, describe, expect, it } from 'vitest';
import {
  AnthropicChatModel,
  type AnthropicChatModelOptions,
} from '../../../../runtime/llm/anthropic-chat-model.js';
import type { ChatMessage, ChatStreamEvent, ChatToolSpec } from '../../../../runtime/llm/chat-model.js';
import { createChatModel } from '../../../../runtime/llm/create-chat-model.js';
import {
  ModelAbortedError,
  ModelAuthError,
  ModelBadOutputError,
  ModelRateLimitedError,
  ModelTimeoutError,
  ModelUnavailableError,
} from '../../../../runtime/llm/model-errors.js';
import { PriceTable } from '../../../../runtime/llm/price-table.js';
import {
  anthropicError,
  anthropicMalformed,
  anthropicRateLimited,
  anthropicServerError,
  anthropicText,
  anthropicToolUse,
  delayed,
  type FakeAnthropic,
  startFakeAnthropic,
} from '../../../support/fake-llm/fake-anthropic.js';

// The real @anthropic-ai/sdk against a local server that speaks the Messages API: no mocked SDK.

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(options: Partial<AnthropicChatModelOptions> = {}) {
  server = await startFakeAnthropic();
  const sleeps: number[] = [];
  const model = new AnthropicChatModel({
    baseURL: server.baseURL,
    apiKey: 'test-key',
    model: 'claude-sonnet-4-5',
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0,
    ...options,
  });
  return { server, model, sleeps };
}

const tools: ChatToolSpec[] = [
  {
    name: 'crm__get_account',
    description: 'Look up an account',
    inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  },
];

describe('AnthropicChatModel against a local Messages API server', () => {
  it('sends the system prompt apart and answers a text turn with stop reason and usage', async () => {
    const { server, model } = await setup();
    server.enqueue(anthropicText('Hello there.', { usage: { input_tokens: 20, output_tokens: 4 } }));

    const response = await model.chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      temperature: 0,
    });

    expect(response).toMatchObject({
      message: { role: 'assistant', content: 'Hello there.' },
      stopReason: 'end_turn',
      usage: { inputTokens: 20, outputTokens: 4 },
      model: 'claude-sonnet-4-5',
      attempts: 1,
    });
    expect(server.messageRequests()[0]).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Be brief.',
      temperature: 0,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
  });

  it('sends tools with input_schema and reads tool_use blocks into tool calls', async () => {
    const { server, model } = await setup();
    server.enqueue(
      anthropicToolUse([{ id: 'toolu_a', name: 'crm__get_account', input: { id: 'acme', tags: ['x'] } }], {
        text: 'Let me look.',
      }),
    );

    const response = await model.chat({ messages: [{ role: 'user', content: 'Look up acme' }], tools });

    expect(response.stopReason).toBe('tool_use');
    expect(response.message).toEqual({
      role: 'assistant',
      content: 'Let me look.',
      toolCalls: [{ id: 'toolu_a', name: 'crm__get_account', arguments: { id: 'acme', tags: ['x'] } }],
    });
    expect(server.messageRequests()[0]?.tools).toEqual([
      { name: 'crm__get_account', description: 'Look up an account', input_schema: tools[0]!.inputSchema },
    ]);
  });

  it('sends a three-step tool conversation with tool results merged into one user turn', async () => {
    const { server, model } = await setup();
    server.enqueue(
      anthropicToolUse([
        { id: 'toolu_1', name: 'crm__get_account', input: { id: 'acme' } },
        { id: 'toolu_2', name: 'crm__get_account', input: { id: 'globex' } },
      ]),
      anthropicToolUse([{ id: 'toolu_3', name: 'crm__get_account', input: { id: 'initech' } }]),
      anthropicText('Two of three exist.'),
    );
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You manage accounts.' },
      { role: 'user', content: 'Check three accounts' },
    ];
    const results: Record<string, { content: string; isError?: boolean }> = {
      toolu_1: { content: 'active' },
      toolu_2: { content: 'no such account', isError: true },
      toolu_3: { content: 'active' },
    };

    for (let step = 0; step < 3; step += 1) {
      const response = await model.chat({ messages, tools });
      messages.push(response.message);
      for (const call of response.message.toolCalls ?? [])
        messages.push({ role: 'tool', toolCallId: call.id, name: call.name, ...results[call.id]! });
    }

    expect(messages.at(-1)).toEqual({ role: 'assistant', content: 'Two of three exist.' });
    const third = server.messageRequests()[2]!;
    expect(third.system).toBe('You manage accounts.');
    expect(third.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Check three accounts' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'crm__get_account', input: { id: 'acme' } },
          { type: 'tool_use', id: 'toolu_2', name: 'crm__get_account', input: { id: 'globex' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'active' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'no such account', is_error: true },
        ],
      },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_3', name: 'crm__get_account', input: { id: 'initech' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_3', content: 'active' }] },
    ]);
  });

  it('waits out a 429 retry-after of 1 s and then succeeds on the second attempt', async () => {
    // A real wait is the point here: the server must see the retry arrive a second later. Bounded at ~1 s.
    const { server, model } = await setup({ sleep: undefined });
    server.enqueue(anthropicRateLimited(1), anthropicText('after the wait'));

    const started = Date.now();
    const response = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(response).toMatchObject({ message: { content: 'after the wait' }, attempts: 2 });
    expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it('fails fast with retryAfterMs when retry-after exceeds maxRetryWaitMs', async () => {
    const { server, model, sleeps } = await setup({ maxRetryWaitMs: 10_000 });
    server.enqueue(anthropicRateLimited(90));

    const error = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelRateLimitedError);
    expect(error).toMatchObject({
      retryAfterMs: 90_000,
      details: { provider: 'anthropic', model: 'claude-sonnet-4-5', retryAfterMs: 90_000 },
    });
    expect((error as Error).message).toMatch(/longer than maxRetryWaitMs \(10000 ms\)/);
    expect(sleeps).toEqual([]);
  });

  it('backs off after a 500 and after a 529 overloaded, then succeeds', async () => {
    const { server, model, sleeps } = await setup();
    server.enqueue(anthropicServerError(500), anthropicServerError(529), anthropicText('recovered'));

    const response = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(response).toMatchObject({ message: { content: 'recovered' }, attempts: 3 });
    expect(sleeps).toEqual([500, 1000]);
  });

  it('gives up with model_unavailable once the attempts run out', async () => {
    const { server, model } = await setup({ maxRetries: 1 });
    server.enqueue(anthropicServerError(500), anthropicServerError(500));

    const error = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect(error).toMatchObject({ attempts: 2, status: 500 });
  });

  it('reports a body that is not JSON as model_bad_output', async () => {
    const { server, model } = await setup();
    server.enqueue(anthropicMalformed());

    const error = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelBadOutputError);
    expect(error).toMatchObject({ code: 'model_bad_output', details: { provider: 'anthropic' } });
    expect(server.requests).toHaveLength(1);
  });

  it('reports a tool_use input that is not an object as model_bad_output', async () => {
    const { server, model } = await setup();
    server.enqueue(anthropicToolUse([{ id: 'toolu_x', name: 'crm__get_account', input: '{"id":' }]));

    await expect(model.chat({ messages: [{ role: 'user', content: 'Hi' }], tools })).rejects.toThrow(
      /input of tool call 'crm__get_account' \(toolu_x\) is not a JSON object/,
    );
  });

  it('reports a message without content blocks as model_bad_output', async () => {
    const { server, model } = await setup();
    server.enqueue({ json: { type: 'message', role: 'assistant', stop_reason: 'end_turn' } });

    await expect(model.chat({ messages: [{ role: 'user', content: 'Hi' }] })).rejects.toBeInstanceOf(
      ModelBadOutputError,
    );
  });

  it('stops a request in flight when the signal aborts', async () => {
    const { server, model } = await setup();
    server.enqueue(delayed(anthropicText('too late'), 10_000));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const started = Date.now();
    const error = await model
      .chat({ messages: [{ role: 'user', content: 'Hi' }], signal: controller.signal })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelAbortedError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not send a request whose signal already aborted', async () => {
    const { server, model } = await setup();

    const error = await model
      .chat({ messages: [{ role: 'user', content: 'Hi' }], signal: AbortSignal.abort() })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelAbortedError);
    expect(server.requests).toHaveLength(0);
  });

  it('times out an attempt that takes longer than timeoutMs', async () => {
    const { server, model } = await setup({ timeoutMs: 200, maxRetries: 0 });
    server.enqueue(delayed(anthropicText('too late'), 5_000));

    const started = Date.now();
    const error = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('maps 401 to model_auth without retrying', async () => {
    const { server, model } = await setup();
    server.enqueue(anthropicError(401, 'authentication_error', 'invalid x-api-key'));

    await expect(model.chat({ messages: [{ role: 'user', content: 'Hi' }] })).rejects.toBeInstanceOf(
      ModelAuthError,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('computes the cost from the price table, by glob', async () => {
    const { server, model } = await setup({
      priceTable: new PriceTable({ 'claude-sonnet-*': { inputPerMTok: 3, outputPerMTok: 15 } }),
    });
    server.enqueue(anthropicText('priced', { usage: { input_tokens: 2_000, output_tokens: 1_000 } }));

    const response = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(response.costUsd).toBeCloseTo((2_000 * 3 + 1_000 * 15) / 1_000_000, 12);
  });
});

describe('createChatModel with provider anthropic', () => {
  it('takes ANTHROPIC_API_KEY from the env it is given', async () => {
    server = await startFakeAnthropic({ script: [anthropicText('ok')] });
    const model = createChatModel(
      { provider: 'anthropic', model: 'claude-haiku-4-5', baseURL: server.baseURL },
      'fast',
      { env: { ANTHROPIC_API_KEY: 'sk-ant-from-env' } },
    );

    const response = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(model.provider).toBe('anthropic');
    expect(response.costUsd).toBeGreaterThan(0);
    expect(JSON.stringify(server.requests[0]?.headers)).toContain('sk-ant-from-env');
  });
});

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('AnthropicChatModel.stream against a local Messages API server', () => {
  it('streams text and a tool call, skipping pings, and ends with the whole response', async () => {
    const { server, model } = await setup();
    server.enqueue(
      anthropicToolUse([{ id: 'toolu_s', name: 'crm__get_account', input: { id: 'acme' } }], {
        text: 'Checking',
        usage: { input_tokens: 30, output_tokens: 12 },
      }),
    );

    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }], tools }));

    const call = { id: 'toolu_s', name: 'crm__get_account', arguments: { id: 'acme' } };
    expect(events.slice(0, -1)).toEqual([
      { type: 'text', delta: 'Chec' },
      { type: 'text', delta: 'king' },
      { type: 'tool_call', call },
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'done',
      response: {
        message: { content: 'Checking', toolCalls: [call] },
        stopReason: 'tool_use',
        usage: { inputTokens: 30, outputTokens: 12 },
        model: 'claude-sonnet-4-5',
        attempts: 1,
      },
    });
    expect(server.messageRequests()[0]?.stream).toBe(true);
  });

  it('retries a 529 overloaded that arrives before the stream opens', async () => {
    const { server, model, sleeps } = await setup();
    server.enqueue(anthropicServerError(529), anthropicText('ok'));

    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }] }));

    expect(events.at(-1)).toMatchObject({ type: 'done', response: { attempts: 2 } });
    expect(sleeps).toEqual([500]);
  });

  it('translates a 401 answered before the stream opens into model_auth, without retrying', async () => {
    const { server, model } = await setup();
    server.enqueue(anthropicError(401, 'authentication_error', 'invalid x-api-key'));

    const error = await collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }] })).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ModelAuthError);
    expect(error).toMatchObject({
      code: 'model_auth',
      status: 401,
      retryable: false,
      details: { provider: 'anthropic', model: 'claude-sonnet-4-5', status: 401, attempts: 1 },
    });
    expect((error as Error).message).toMatch(/^anthropic model 'claude-sonnet-4-5': .*invalid x-api-key/);
    expect(server.requests).toHaveLength(1);
  });

  it('fails fast with retryAfterMs when a 429 before the stream opens asks for too long a wait', async () => {
    const { server, model, sleeps } = await setup({ maxRetryWaitMs: 10_000 });
    server.enqueue(anthropicRateLimited(90));

    const error = await collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }] })).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ModelRateLimitedError);
    expect(error).toMatchObject({
      code: 'model_rate_limited',
      retryAfterMs: 90_000,
      details: {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        retryAfterMs: 90_000,
        attempts: 1,
        status: 429,
      },
    });
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('reports streamed tool input that is not JSON as model_bad_output', async () => {
    const { server, model } = await setup();
    server.enqueue(anthropicToolUse([{ id: 'toolu_b', name: 'crm__get_account', input: '{"id": ' }]));

    await expect(
      collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }], tools })),
    ).rejects.toThrow(/bad output: arguments of tool call 'crm__get_account' \(toolu_b\) are not JSON/);
  });

  it('reports a stream cut off before message_stop as model_bad_output', async () => {
    const { server, model } = await setup();
    server.enqueue({
      sse: [
        {
          event: 'message_start',
          data: {
            type: 'message_start',
            message: { model: 'claude-sonnet-4-5', usage: { input_tokens: 1 } },
          },
        },
      ],
    });

    await expect(
      collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }] })),
    ).rejects.toBeInstanceOf(ModelBadOutputError);
  });

  it('reports an error event in the stream as model_unavailable', async () => {
    const { server, model } = await setup();
    server.enqueue({
      sse: [
        {
          event: 'error',
          data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        },
      ],
    });

    await expect(
      collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }] })),
    ).rejects.toBeInstanceOf(ModelUnavailableError);
  });

  it('stops a stream mid-way when the signal aborts, instead of ending it as if complete', async () => {
    const { server, model } = await setup();
    server.enqueue((request) => {
      const turn = anthropicText('one two three four')(request);
      return { ...turn, eventDelayMs: 200 };
    });
    const controller = new AbortController();
    const seen: ChatStreamEvent[] = [];

    const error = await (async () => {
      for await (const event of model.stream({
        messages: [{ role: 'user', content: 'Hi' }],
        signal: controller.signal,
      })) {
        seen.push(event);
        if (event.type === 'text') controller.abort();
      }
    })().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelAbortedError);
    expect(seen.map((e) => e.type)).toEqual(['text']);
  });
});
