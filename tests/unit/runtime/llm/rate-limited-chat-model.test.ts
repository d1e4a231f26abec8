import { describe, expect, it } from 'vitest';
import type {
  ChatModel,
  ChatRequest,
  ChatResponse,
  ChatStreamEvent,
} from '../../../../runtime/llm/chat-model.js';
import { ModelAbortedError, ModelRateLimitedError } from '../../../../runtime/llm/model-errors.js';
import { rateLimitedChatModel } from '../../../../runtime/llm/rate-limited-chat-model.js';
import {
  MemoryRateLimiter,
  type RateBudget,
  type RateLimiter,
} from '../../../../runtime/llm/rate-limiter.js';
import type { Sleep } from '../../../../runtime/llm/retry-policy.js';
import { captureLogger } from '../../../support/capture-logger.js';

const RESPONSE: ChatResponse = {
  message: { role: 'assistant', content: 'ok' },
  stopReason: 'end_turn',
  usage: { inputTokens: 1, outputTokens: 1 },
  model: 'gpt-4o-mini',
  attempts: 1,
};

/** A model that answers at once and counts its requests (the decorator's inner model). */
function countingModel(options: { stream?: boolean } = {}) {
  const calls: Array<'chat' | 'stream'> = [];
  const model: ChatModel = {
    provider: 'openai',
    model: 'gpt-4o-mini',
    chat: (_request: ChatRequest) => (calls.push('chat'), Promise.resolve(RESPONSE)),
  };
  if (options.stream)
    model.stream = async function* (): AsyncIterable<ChatStreamEvent> {
      calls.push('stream');
      yield { type: 'text', delta: 'ok' };
      yield { type: 'done', response: RESPONSE };
    };
  return { model, calls };
}

/** A clock whose sleeps advance it at once; the sleeps are recorded. */
function fakeTime() {
  let now = 5_000_000;
  const sleeps: number[] = [];
  const sleep: Sleep = (ms, signal) => {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    sleeps.push(ms);
    now += ms;
    return Promise.resolve();
  };
  return { now: () => now, advance: (ms: number) => (now += ms), sleep, sleeps };
}

const perSecond = (max: number): RateBudget[] => [
  { key: 'provider:openai', limit: { max, durationMs: 1_000 } },
];

async function collect(events: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('rateLimitedChatModel', () => {
  it('passes requests through while the budget has slots', async () => {
    const time = fakeTime();
    const { model, calls } = countingModel();
    const limited = rateLimitedChatModel(model, {
      limiter: new MemoryRateLimiter({ now: time.now }),
      budgets: perSecond(2),
      sleep: time.sleep,
      now: time.now,
    });
    expect(limited).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
    await limited.chat({ messages: [] });
    await limited.chat({ messages: [] });
    expect(calls).toEqual(['chat', 'chat']);
    expect(time.sleeps).toEqual([]);
  });

  it('waits in place for a slot that frees within maxRetryWaitMs, then sends the request', async () => {
    const time = fakeTime();
    const { model, calls } = countingModel();
    const limited = rateLimitedChatModel(model, {
      limiter: new MemoryRateLimiter({ now: time.now }),
      budgets: perSecond(1),
      maxRetryWaitMs: 1_000,
      sleep: time.sleep,
      now: time.now,
    });
    await limited.chat({ messages: [] });
    time.advance(400);
    await expect(limited.chat({ messages: [] })).resolves.toEqual(RESPONSE);
    expect(time.sleeps).toEqual([600]);
    expect(calls).toEqual(['chat', 'chat']);
  });

  it('throws ModelRateLimitedError with retryAfterMs when the slot frees later than maxRetryWaitMs', async () => {
    const time = fakeTime();
    const { model, calls } = countingModel();
    const limited = rateLimitedChatModel(model, {
      limiter: new MemoryRateLimiter({ now: time.now }),
      budgets: [{ key: 'model:local', limit: { max: 1, durationMs: 60_000 } }],
      maxRetryWaitMs: 5_000,
      sleep: time.sleep,
      now: time.now,
    });
    await limited.chat({ messages: [] });
    time.advance(10_000);
    const error = await limited.chat({ messages: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelRateLimitedError);
    const limitedError = error as ModelRateLimitedError;
    // The same shape as a provider's 429 past maxRetryWaitMs, which the queue turns into a delay.
    expect(limitedError.code).toBe('model_rate_limited');
    expect(limitedError.retryable).toBe(true);
    expect(limitedError.details).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      retryAfterMs: 50_000,
      attempts: 0,
    });
    expect(limitedError.message).toMatch(/model:local.*50000 ms.*maxRetryWaitMs \(5000 ms/);
    expect(calls).toEqual(['chat']);
    expect(time.sleeps).toEqual([]);
  });

  it('counts time already waited against maxRetryWaitMs when another taker wins the slot', async () => {
    const time = fakeTime();
    const limiter = new MemoryRateLimiter({ now: time.now });
    const budgets = perSecond(1);
    const { model } = countingModel();
    // A rival process takes each slot the moment it frees, just before this model wakes up.
    const sleep: Sleep = async (ms, signal) => {
      await time.sleep(ms, signal);
      await limiter.tryTake(budgets);
    };
    const limited = rateLimitedChatModel(model, {
      limiter,
      budgets,
      maxRetryWaitMs: 2_500,
      sleep,
      now: time.now,
    });
    await limited.chat({ messages: [] });
    const error = await limited.chat({ messages: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelRateLimitedError);
    expect(time.sleeps).toEqual([1_000, 1_000]);
    expect((error as ModelRateLimitedError).retryAfterMs).toBe(1_000);
  });

  it('rejects promptly with ModelAbortedError when the request is aborted while it waits', async () => {
    const { model, calls } = countingModel();
    const limited = rateLimitedChatModel(model, {
      limiter: new MemoryRateLimiter(),
      budgets: [{ key: 'provider:openai', limit: { max: 1, durationMs: 30_000 } }],
      maxRetryWaitMs: 60_000,
    });
    await limited.chat({ messages: [] });
    const controller = new AbortController();
    const started = Date.now();
    const pending = limited.chat({ messages: [], signal: controller.signal });
    setTimeout(() => controller.abort(new Error('run cancelled')), 50);
    const error = await pending.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelAbortedError);
    expect((error as ModelAbortedError).message).toMatch(/waiting for a rate limit slot/);
    // Real time: the point is that the 30 s wait ends with the signal. Bound loosely (loaded machine).
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(calls).toEqual(['chat']);
  });

  it('does not take a slot for a request whose signal has already aborted', async () => {
    const time = fakeTime();
    const limiter = new MemoryRateLimiter({ now: time.now });
    const limited = rateLimitedChatModel(countingModel().model, { limiter, budgets: perSecond(1) });
    await expect(limited.chat({ messages: [], signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      ModelAbortedError,
    );
    expect(await limiter.tryTake(perSecond(1))).toEqual({ granted: true });
  });

  it('limits opening a stream like a chat, and exposes stream only when the model has one', async () => {
    const time = fakeTime();
    const { model, calls } = countingModel({ stream: true });
    const limited = rateLimitedChatModel(model, {
      limiter: new MemoryRateLimiter({ now: time.now }),
      budgets: perSecond(1),
      maxRetryWaitMs: 100,
      sleep: time.sleep,
      now: time.now,
    });
    const events = await collect(limited.stream!({ messages: [] }));
    expect(events.at(-1)).toEqual({ type: 'done', response: RESPONSE });
    await expect(collect(limited.stream!({ messages: [] }))).rejects.toBeInstanceOf(ModelRateLimitedError);
    await expect(limited.chat({ messages: [] })).rejects.toBeInstanceOf(ModelRateLimitedError);
    expect(calls).toEqual(['stream']);
    const plain = rateLimitedChatModel(countingModel().model, {
      limiter: new MemoryRateLimiter(),
      budgets: perSecond(1),
    });
    expect(plain.stream).toBeUndefined();
  });

  it('sends the request unlimited, with a warning, when the limiter fails', async () => {
    const { logger, lines } = captureLogger();
    const broken: RateLimiter = { tryTake: () => Promise.reject(new Error('connect ECONNREFUSED')) };
    const { model, calls } = countingModel();
    const limited = rateLimitedChatModel(model, { limiter: broken, budgets: perSecond(1), logger });
    await expect(limited.chat({ messages: [] })).resolves.toEqual(RESPONSE);
    expect(calls).toEqual(['chat']);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/rate limiter failed/) }),
    );
  });

  it('rejects a negative maxRetryWaitMs', () => {
    expect(() =>
      rateLimitedChatModel(countingModel().model, {
        limiter: new MemoryRateLimiter(),
        budgets: perSecond(1),
        maxRetryWaitMs: -1,
      }),
    ).toThrow(/maxRetryWaitMs must be a non-negative integer/);
  });
});
