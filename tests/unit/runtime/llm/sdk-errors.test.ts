import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  ModelAbortedError,
  ModelBadRequestError,
  ModelRateLimitedError,
  ModelUnavailableError,
} from '../../../../runtime/llm/model-errors.js';
import { translateSdkError } from '../../../../runtime/llm/sdk-errors.js';

const context = { provider: 'openai', model: 'gpt-4o-mini', timeoutMs: 1_000 };

function apiError(status: number, headers: Record<string, string> = {}) {
  return OpenAI.APIError.generate(
    status,
    { error: { message: `status ${status}` } },
    undefined,
    new Headers(headers),
  );
}

describe('translateSdkError', () => {
  it('keeps the retry-after of a 503 so the wait is honoured there too', () => {
    const error = translateSdkError(apiError(503, { 'retry-after': '3' }), OpenAI, context);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 3_000, status: 503 });
  });

  it('maps 429 to a rate limit, 404 and 422 to bad requests', () => {
    expect(translateSdkError(apiError(429), OpenAI, context)).toBeInstanceOf(ModelRateLimitedError);
    expect(translateSdkError(apiError(404), OpenAI, context)).toBeInstanceOf(ModelBadRequestError);
    expect(translateSdkError(apiError(422), OpenAI, context)).toBeInstanceOf(ModelBadRequestError);
  });

  it('reports any failure after the signal aborted as an abort', () => {
    const signal = AbortSignal.abort();
    expect(translateSdkError(new Error('socket hang up'), OpenAI, { ...context, signal })).toBeInstanceOf(
      ModelAbortedError,
    );
  });

  it('names provider and model in the message and details', () => {
    const error = translateSdkError(apiError(500), OpenAI, context);
    expect(error.message).toMatch(/^openai model 'gpt-4o-mini': /);
    expect(error.details).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', status: 500 });
  });
});
