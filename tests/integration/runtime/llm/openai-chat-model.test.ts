import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage, ChatStreamEvent, ChatToolSpec } from '../../../../runtime/llm/chat-model.js';
import { createChatModel } from '../../../../runtime/llm/create-chat-model.js';
import {
  ModelAbortedError,
  ModelAuthError,
  ModelBadOutputError,
  ModelBadRequestError,
  ModelRateLimitedError,
  ModelTimeoutError,
  ModelUnavailableError,
} from '../../../../runtime/llm/model-errors.js';
import { OpenAIChatModel, type OpenAIChatModelOptions } from '../../../../runtime/llm/openai-chat-model.js';
import { PriceTable } from '../../../../runtime/llm/price-table.js';
import {
  delayed,
  type FakeOpenAI,
  openaiError,
  openaiMalformed,
  openaiRateLimited,
  openaiServerError,
  openaiText,
  openaiToolCalls,
  startFakeOpenAI,
} from '../../../support/fake-llm/fake-openai.js';

// The real openai SDK against a local server that speaks chat.completions: no mocked SDK.

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(options: Partial<OpenAIChatModelOptions> = {}) {
  server = await startFakeOpenAI();
  const sleeps: number[] = [];
  const model = new OpenAIChatModel({
    baseURL: server.baseURL,
    apiKey: 'test-key',
    model: 'gpt-4o-mini',
    // Backoff is recorded, not waited, unless a test passes the real sleep.
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

describe('OpenAIChatModel against a local chat.completions server', () => {
  it('answers a text turn with its stop reason, usage and the answering model', async () => {
    const { server, model } = await setup();
    server.enqueue(openaiText('Hello there.', { usage: { prompt_tokens: 12, completion_tokens: 3 } }));

    const response = await model.chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });

    expect(response).toMatchObject({
      message: { role: 'assistant', content: 'Hello there.' },
      stopReason: 'end_turn',
      usage: { inputTokens: 12, outputTokens: 3 },
      model: 'gpt-4o-mini',
      attempts: 1,
    });
    expect(response.message.toolCalls).toBeUndefined();
    const [sent] = server.chatRequests();
    expect(sent).toMatchObject({
      model: 'gpt-4o-mini',
      max_completion_tokens: 4096,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect(sent?.tools).toBeUndefined();
    expect(server.requests[0]?.headers.authorization).toBe('Bearer test-key');
  });

  it('sends tools as function tools and parses tool call arguments from their JSON string', async () => {
    const { server, model } = await setup();
    server.enqueue(
      openaiToolCalls([
        { id: 'call_a', name: 'crm__get_account', arguments: { id: 'acme', deep: { n: 1 } } },
      ]),
    );

    const response = await model.chat({ messages: [{ role: 'user', content: 'Look up acme' }], tools });

    expect(response.stopReason).toBe('tool_use');
    expect(response.message.toolCalls).toEqual([
      { id: 'call_a', name: 'crm__get_account', arguments: { id: 'acme', deep: { n: 1 } } },
    ]);
    expect(server.chatRequests()[0]?.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'crm__get_account',
          description: 'Look up an account',
          parameters: tools[0]!.inputSchema,
        },
      },
    ]);
  });

  it('sends a three-step tool conversation in the chat.completions shape', async () => {
    const { server, model } = await setup();
    server.enqueue(
      openaiToolCalls([{ id: 'call_1', name: 'crm__get_account', arguments: { id: 'acme' } }]),
      openaiToolCalls([{ id: 'call_2', name: 'crm__get_account', arguments: { id: 'globex' } }]),
      openaiText('Acme is active; Globex was not found.'),
    );
    const messages: ChatMessage[] = [{ role: 'user', content: 'Compare acme and globex' }];
    const toolResults = ['{"status":"active"}', 'no such account'];

    for (let step = 0; step < 3; step += 1) {
      const response = await model.chat({ messages, tools });
      messages.push(response.message);
      for (const call of response.message.toolCalls ?? []) {
        messages.push({
          role: 'tool',
          toolCallId: call.id,
          name: call.name,
          content: toolResults[step]!,
          ...(step === 1 ? { isError: true } : {}),
        });
      }
    }

    expect(messages.at(-1)).toEqual({ role: 'assistant', content: 'Acme is active; Globex was not found.' });
    const third = server.chatRequests()[2]!;
    expect(third.messages).toEqual([
      { role: 'user', content: 'Compare acme and globex' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'crm__get_account', arguments: '{"id":"acme"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"status":"active"}' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_2',
            type: 'function',
            function: { name: 'crm__get_account', arguments: '{"id":"globex"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_2', content: '[tool error] no such account' },
    ]);
  });

  it('waits out a 429 retry-after of 1 s and then succeeds on the second attempt', async () => {
    // A real wait is the point here: the SDK and the server must both see time pass. Bounded at ~1 s.
    const { server, model } = await setup({ sleep: undefined });
    server.enqueue(openaiRateLimited(1), openaiText('after the wait'));

    const started = Date.now();
    const response = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });
    const elapsed = Date.now() - started;

    expect(response.message.content).toBe('after the wait');
    expect(response.attempts).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    const [first, second] = server.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it('fails fast with retryAfterMs when retry-after exceeds maxRetryWaitMs, so a queue can delay the job', async () => {
    const { server, model, sleeps } = await setup({ maxRetryWaitMs: 5_000 });
    server.enqueue(openaiRateLimited(120));

    const error = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelRateLimitedError);
    expect(error).toMatchObject({
      code: 'model_rate_limited',
      retryAfterMs: 120_000,
      details: { provider: 'openai', model: 'gpt-4o-mini', retryAfterMs: 120_000, attempts: 1, status: 429 },
    });
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('honours retry-after-ms before retry-after', async () => {
    const { server, model, sleeps } = await setup();
    server.enqueue(openaiRateLimited(30, { 'retry-after-ms': '250' }), openaiText('ok'));

    await expect(model.chat({ messages: [{ role: 'user', content: 'Hi' }] })).resolves.toMatchObject({
      attempts: 2,
    });
    expect(sleeps).toEqual([250]);
  });

  it('backs off after a 500 and succeeds on the next attempt', async () => {
    const { server, model, sleeps } = await setup();
    server.enqueue(openaiServerError(500), openaiText('recovered'));

    const response = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(response).toMatchObject({ message: { content: 'recovered' }, attempts: 2 });
    expect(sleeps).toEqual([500]);
  });

  it('gives up with model_unavailable after maxRetries, backing off exponentially', async () => {
    const { server, model, sleeps } = await setup({ maxRetries: 2 });
    server.enqueue(openaiServerError(500), openaiServerError(502), openaiServerError(503));

    const error = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect(error).toMatchObject({ code: 'model_unavailable', status: 503, attempts: 3 });
    expect(sleeps).toEqual([500, 1000]);
    expect(server.requests).toHaveLength(3);
  });

  it('reports a body that is not JSON as model_bad_output, without retrying', async () => {
    const { server, model } = await setup();
    server.enqueue(openaiMalformed());

    const error = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelBadOutputError);
    expect((error as Error).message).toMatch(
      /openai model 'gpt-4o-mini': bad output: the response body is not valid JSON/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('reports JSON that is not a completion as model_bad_output', async () => {
    const { server, model } = await setup();
    server.enqueue({ json: { id: 'x', choices: [] } });

    await expect(model.chat({ messages: [{ role: 'user', content: 'Hi' }] })).rejects.toThrow(
      /bad output: not a chat\.completions response.*at least one choice/s,
    );
  });

  it('reports tool call arguments that are not JSON as model_bad_output naming the tool', async () => {
    const { server, model } = await setup();
    server.enqueue(openaiToolCalls([{ id: 'call_x', name: 'crm__get_account', arguments: '{"id": "acme"' }]));

    const error = await model
      .chat({ messages: [{ role: 'user', content: 'Hi' }], tools })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelBadOutputError);
    expect((error as Error).message).toMatch(
      /arguments of tool call 'crm__get_account' \(call_x\) are not JSON/,
    );
  });

  it('stops a request in flight when the signal aborts', async () => {
    const { server, model } = await setup();
    server.enqueue(delayed(openaiText('too late'), 10_000));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const started = Date.now();
    const error = await model
      .chat({ messages: [{ role: 'user', content: 'Hi' }], signal: controller.signal })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelAbortedError);
    expect(error).toMatchObject({ code: 'model_aborted', attempts: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stops waiting out a retry-after when the signal aborts', async () => {
    const { server, model } = await setup({ sleep: undefined });
    server.enqueue(openaiRateLimited(30), openaiText('never sent'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const started = Date.now();
    const error = await model
      .chat({ messages: [{ role: 'user', content: 'Hi' }], signal: controller.signal })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelAbortedError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.requests).toHaveLength(1);
  });

  it('times out an attempt that takes longer than timeoutMs', async () => {
    const { server, model } = await setup({ timeoutMs: 200, maxRetries: 0 });
    server.enqueue(delayed(openaiText('too late'), 5_000));

    const started = Date.now();
    const error = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect(error).toMatchObject({ code: 'model_timeout', details: { timeoutMs: 200 } });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('retries a timed-out attempt', async () => {
    const { server, model } = await setup({ timeoutMs: 200, maxRetries: 1 });
    server.enqueue(delayed(openaiText('too late'), 5_000), openaiText('in time'));

    await expect(model.chat({ messages: [{ role: 'user', content: 'Hi' }] })).resolves.toMatchObject({
      message: { content: 'in time' },
      attempts: 2,
    });
  });

  it('maps 401 to model_auth and 400 to model_bad_request, neither retried', async () => {
    const { server, model } = await setup();
    server.enqueue(openaiError(401, 'Incorrect API key provided', 'invalid_api_key'));
    await expect(model.chat({ messages: [{ role: 'user', content: 'Hi' }] })).rejects.toBeInstanceOf(
      ModelAuthError,
    );
    server.enqueue(openaiError(400, "Invalid schema for function 'x'", 'invalid_request_error'));
    const error = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelBadRequestError);
    expect((error as Error).message).toContain("Invalid schema for function 'x'");
    expect(server.requests).toHaveLength(2);
  });

  it('computes the cost of a request from the price table', async () => {
    const { server, model } = await setup({
      priceTable: new PriceTable({ 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 2 } }),
    });
    server.enqueue(openaiText('priced', { usage: { prompt_tokens: 1_000, completion_tokens: 500 } }));

    const response = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(response.costUsd).toBeCloseTo((1_000 * 1 + 500 * 2) / 1_000_000, 12);
  });

  it('leaves costUsd undefined for a model without a price', async () => {
    const { server, model } = await setup({ model: 'llama3.1:8b' });
    server.enqueue(openaiText('free'));

    const response = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(response.costUsd).toBeUndefined();
    expect(response.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
  });
});

describe('createChatModel with an openai-compatible server', () => {
  it('names the provider after the config entry, sends max_tokens and needs no key', async () => {
    server = await startFakeOpenAI({ script: [openaiText('from ollama')] });
    const model = createChatModel(
      { provider: 'openai-compatible', model: 'llama3.1:8b', baseURL: server.baseURL, maxTokens: 256 },
      'ollama',
      { env: {} },
    );

    const response = await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(model.provider).toBe('ollama');
    expect(response.message.content).toBe('from ollama');
    expect(server.chatRequests()[0]).toMatchObject({ model: 'llama3.1:8b', max_tokens: 256 });
    expect(server.chatRequests()[0]?.max_completion_tokens).toBeUndefined();
    expect(server.requests[0]?.headers.authorization).toBe('Bearer not-needed');
  });

  it('reads the key from the env it is given', async () => {
    server = await startFakeOpenAI({ script: [openaiText('ok')] });
    const model = createChatModel(
      { provider: 'openai', model: 'gpt-4o-mini', baseURL: server.baseURL, apiKeyEnv: 'MY_KEY' },
      'main',
      { env: { MY_KEY: 'sk-from-env' } },
    );

    await model.chat({ messages: [{ role: 'user', content: 'Hi' }] });

    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-from-env');
  });
});

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('OpenAIChatModel.stream against a local chat.completions server', () => {
  it('streams text deltas and ends with the whole response, usage and cost', async () => {
    const { server, model } = await setup({
      priceTable: new PriceTable({ 'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 1 } }),
    });
    server.enqueue(
      openaiText('Hello streaming world', { usage: { prompt_tokens: 7, completion_tokens: 3 } }),
    );

    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }] }));

    expect(events.filter((e) => e.type === 'text').map((e) => e.delta)).toEqual([
      'Hello strea',
      'ming world',
    ]);
    const done = events.at(-1);
    expect(done).toMatchObject({
      type: 'done',
      response: {
        message: { role: 'assistant', content: 'Hello streaming world' },
        stopReason: 'end_turn',
        usage: { inputTokens: 7, outputTokens: 3 },
        costUsd: 10 / 1_000_000,
        attempts: 1,
      },
    });
    expect(server.chatRequests()[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('joins a tool call streamed in fragments and emits it before done', async () => {
    const { server, model } = await setup();
    server.enqueue(
      openaiToolCalls([{ id: 'call_s', name: 'crm__get_account', arguments: { id: 'acme', n: 2 } }]),
    );

    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }], tools }));

    const call = { id: 'call_s', name: 'crm__get_account', arguments: { id: 'acme', n: 2 } };
    expect(events.map((e) => e.type)).toEqual(['tool_call', 'done']);
    expect(events[0]).toEqual({ type: 'tool_call', call });
    expect(events[1]).toMatchObject({ response: { stopReason: 'tool_use', message: { toolCalls: [call] } } });
  });

  it('retries a 429 that arrives before the stream opens', async () => {
    const { server, model, sleeps } = await setup();
    server.enqueue(openaiRateLimited(2), openaiText('ok'));

    const events = await collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }] }));

    expect(events.at(-1)).toMatchObject({
      type: 'done',
      response: { attempts: 2, message: { content: 'ok' } },
    });
    expect(sleeps).toEqual([2_000]);
  });

  it('translates a 401 answered before the stream opens into model_auth, without retrying', async () => {
    const { server, model } = await setup();
    server.enqueue(openaiError(401, 'Incorrect API key provided', 'invalid_api_key'));

    const error = await collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }] })).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ModelAuthError);
    expect(error).toMatchObject({
      code: 'model_auth',
      status: 401,
      retryable: false,
      details: { provider: 'openai', model: 'gpt-4o-mini', status: 401, attempts: 1 },
    });
    expect((error as Error).message).toMatch(/^openai model 'gpt-4o-mini': .*Incorrect API key provided/);
    expect(server.requests).toHaveLength(1);
  });

  it('fails fast with retryAfterMs when a 429 before the stream opens asks for too long a wait', async () => {
    const { server, model, sleeps } = await setup({ maxRetryWaitMs: 5_000 });
    server.enqueue(openaiRateLimited(30, { 'retry-after-ms': '120000' }));

    const error = await collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }] })).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ModelRateLimitedError);
    expect(error).toMatchObject({
      code: 'model_rate_limited',
      retryAfterMs: 120_000,
      details: { provider: 'openai', model: 'gpt-4o-mini', retryAfterMs: 120_000, attempts: 1, status: 429 },
    });
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('reports streamed tool arguments that are not JSON as model_bad_output', async () => {
    const { server, model } = await setup();
    server.enqueue(openaiToolCalls([{ id: 'call_b', name: 'crm__get_account', arguments: '{"id": ' }]));

    await expect(
      collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }], tools })),
    ).rejects.toThrow(/bad output: arguments of tool call 'crm__get_account' \(call_b\) are not JSON/);
  });

  it('reports a stream cut off before its finish_reason as model_bad_output', async () => {
    const { server, model } = await setup();
    server.enqueue({
      sse: [
        {
          data: {
            id: 'c',
            object: 'chat.completion.chunk',
            model: 'gpt-4o-mini',
            choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }],
          },
        },
      ],
    });

    await expect(
      collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }] })),
    ).rejects.toBeInstanceOf(ModelBadOutputError);
  });

  it('aborts a stream that has not started when the signal aborts', async () => {
    const { server, model } = await setup();
    server.enqueue(delayed(openaiText('late'), 10_000));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    await expect(
      collect(model.stream({ messages: [{ role: 'user', content: 'Hi' }], signal: controller.signal })),
    ).rejects.toBeInstanceOf(ModelAbortedError);
  });
});
