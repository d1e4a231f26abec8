import { setTimeout as delay } from 'node:timers/promises';
import { type Logger, silentLogger } from '#core';
import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent } from './chat-model.js';
import { ModelAbortedError, ModelRateLimitedError } from './model-errors.js';
import type { RateBudget, RateLimiter } from './rate-limiter.js';
import { DEFAULT_RETRY_POLICY, type Sleep } from './retry-policy.js';

export interface RateLimitedChatModelOptions {
  /** Where the budgets are counted (in process, or on Redis for every worker). */
  limiter: RateLimiter;
  /** Every budget a request takes a slot from (e.g. its provider's and its own). */
  budgets: readonly RateBudget[];
  /**
   * The longest a request waits in place for a slot, counted from the call; a longer wait throws
   * {@link ModelRateLimitedError} with `retryAfterMs` instead, like a provider's long `retry-after`.
   * @defaultValue 60000 (the models' own default `maxRetryWaitMs`)
   */
  maxRetryWaitMs?: number;
  /** Waits `ms` or rejects when `signal` aborts. @defaultValue a timer from node:timers/promises */
  sleep?: Sleep;
  /** The clock the total wait is measured with. @defaultValue Date.now */
  now?: () => number;
  /** @defaultValue silentLogger */
  logger?: Logger;
}

const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined);

/**
 * Wraps a model so that every request (`chat`, and opening a `stream`) first takes one slot from
 * each of `budgets`. With no slot free it waits in place when the slot frees within
 * `maxRetryWaitMs`, else throws the {@link ModelRateLimitedError} a provider's 429 would give
 * (`details.retryAfterMs` = when a slot frees), so a queue delays the job either way. Waiting ends
 * with {@link ModelAbortedError} the moment the request's signal aborts.
 *
 * If the limiter itself fails (Redis unreachable), the request goes out unlimited and a warning is
 * logged: the limit protects a provider's quota, and the provider still answers 429 past it,
 * whereas failing every model call would stop every run over a counter.
 */
export function rateLimitedChatModel(model: ChatModel, options: RateLimitedChatModelOptions): ChatModel {
  const maxRetryWaitMs = options.maxRetryWaitMs ?? DEFAULT_RETRY_POLICY.maxRetryWaitMs;
  if (!Number.isInteger(maxRetryWaitMs) || maxRetryWaitMs < 0)
    throw new RangeError(
      `rateLimitedChatModel: maxRetryWaitMs must be a non-negative integer, got ${String(maxRetryWaitMs)}`,
    );
  const { limiter, budgets } = options;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const context = { provider: model.provider, model: model.model };
  const names = budgets.map((budget) => budget.key).join(', ');

  const aborted = (signal: AbortSignal | undefined, cause: unknown): ModelAbortedError => {
    const error = new ModelAbortedError(
      { ...context, cause: signal?.reason ?? cause },
      'request aborted while waiting for a rate limit slot',
    );
    error.recordAttempts(0);
    return error;
  };

  const acquire = async (signal: AbortSignal | undefined): Promise<void> => {
    if (budgets.length === 0) return;
    const started = now();
    for (;;) {
      if (signal?.aborted) throw aborted(signal, undefined);
      let decision;
      try {
        decision = await limiter.tryTake(budgets);
      } catch (error) {
        logger.warn(
          { ...context, err: error, budgets: names },
          'rate limiter failed; sending the model request without a limit',
        );
        return;
      }
      if (decision.granted) return;
      const { retryAfterMs } = decision;
      const waited = now() - started;
      if (waited + retryAfterMs > maxRetryWaitMs) {
        const error = new ModelRateLimitedError(
          { ...context, retryAfterMs },
          `rate limited by this deployment's limit (${names}); next slot in ${retryAfterMs} ms, ` +
            `beyond maxRetryWaitMs (${maxRetryWaitMs} ms, ${waited} ms waited already)`,
        );
        // No request reached the provider.
        error.recordAttempts(0);
        throw error;
      }
      logger.debug({ ...context, budgets: names, waitMs: retryAfterMs }, 'waiting for a rate limit slot');
      try {
        await sleep(retryAfterMs, signal);
      } catch (error) {
        throw aborted(signal, error);
      }
    }
  };

  const limited: ChatModel = {
    provider: model.provider,
    model: model.model,
    async chat(request: ChatRequest): Promise<ChatResponse> {
      await acquire(request.signal);
      return model.chat(request);
    },
  };
  const stream = model.stream?.bind(model);
  if (stream) {
    limited.stream = async function* (request: ChatRequest): AsyncIterable<ChatStreamEvent> {
      await acquire(request.signal);
      yield* stream(request);
    };
  }
  return limited;
}
