import { type ErrorCode, SwitchyardError } from '#core';

/**
 * Errors a {@link ChatModel} throws. Each names its provider and model in `details` (so it survives
 * {@link toErrorPayload} across a process boundary) and says whether another attempt could succeed.
 * Provider SDK errors never reach callers: the providers translate them here.
 */

export interface ModelErrorContext {
  provider: string;
  model: string;
  /** The HTTP status the provider answered with, when there was an answer. */
  status?: number;
  /** A wait the provider asked for (`retry-after`), in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

export abstract class ModelError extends SwitchyardError {
  readonly provider: string;
  readonly model: string;
  readonly status: number | undefined;
  /** When the provider said to try again (429, or 503 with `retry-after`); undefined when it did not say. */
  readonly retryAfterMs: number | undefined;
  /** Whether the same request may succeed when sent again (after a wait). */
  abstract readonly retryable: boolean;
  /** Attempts made before this error was thrown; set by the retry loop. @defaultValue 1 */
  get attempts(): number {
    return this.#details.attempts as number;
  }

  readonly #details: Record<string, unknown>;

  protected constructor(
    code: ErrorCode,
    message: string,
    context: ModelErrorContext,
    extra: Record<string, unknown> = {},
  ) {
    const details: Record<string, unknown> = {
      provider: context.provider,
      model: context.model,
      ...(context.status === undefined ? {} : { status: context.status }),
      ...(context.retryAfterMs === undefined ? {} : { retryAfterMs: context.retryAfterMs }),
      ...extra,
      attempts: 1,
    };
    super(code, `${context.provider} model '${context.model}': ${message}`, {
      details,
      cause: context.cause,
    });
    this.provider = context.provider;
    this.model = context.model;
    this.status = context.status;
    this.retryAfterMs = context.retryAfterMs;
    this.#details = details;
  }

  /** Records how many attempts the request took (kept in `details` so it crosses process boundaries). */
  recordAttempts(attempts: number): void {
    this.#details.attempts = attempts;
  }
}

/**
 * The provider said to slow down (HTTP 429) and either asked for a longer wait than the model may
 * spend, or kept saying so until the attempts ran out. `retryAfterMs` is when to try again: a
 * queue delays the job by it instead of failing the run.
 */
export class ModelRateLimitedError extends ModelError {
  readonly retryable = true;

  constructor(context: ModelErrorContext, message = 'rate limited') {
    super('model_rate_limited', message, context);
  }
}

/**
 * The wait a rate limit asked for (`ModelRateLimitedError`, or the same payload after crossing a
 * process boundary), or undefined for any other error.
 */
export function rateLimitRetryAfterMs(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, details } = error as { code?: unknown; details?: { retryAfterMs?: unknown } };
  if (code !== 'model_rate_limited') return undefined;
  const wait = details?.retryAfterMs;
  return typeof wait === 'number' && Number.isFinite(wait) && wait >= 0 ? wait : undefined;
}

/** The provider failed (5xx, overloaded, connection refused or reset). */
export class ModelUnavailableError extends ModelError {
  readonly retryable: boolean;

  constructor(context: ModelErrorContext & { retryable?: boolean }, message = 'unavailable') {
    super('model_unavailable', message, context);
    this.retryable = context.retryable ?? true;
  }
}

/** The answer was not what the wire format promises: not JSON, missing fields, tool arguments that are not a JSON object. */
export class ModelBadOutputError extends ModelError {
  readonly retryable = false;

  constructor(context: ModelErrorContext, message: string) {
    super('model_bad_output', `bad output: ${message}`, context);
  }
}

/** The key was missing, wrong or not allowed to use the model (401, 403). */
export class ModelAuthError extends ModelError {
  readonly retryable = false;

  constructor(context: ModelErrorContext, message = 'authentication failed') {
    super('model_auth', message, context);
  }
}

/** The provider refused the request itself (400, 404 unknown model, 413, 422): sending it again will not help. */
export class ModelBadRequestError extends ModelError {
  readonly retryable = false;

  constructor(context: ModelErrorContext, message = 'bad request') {
    super('model_bad_request', message, context);
  }
}

/** One attempt took longer than the configured timeout. */
export class ModelTimeoutError extends ModelError {
  readonly retryable = true;

  constructor(context: ModelErrorContext & { timeoutMs?: number }, message = 'request timed out') {
    super('model_timeout', message, context, {
      ...(context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs }),
    });
  }
}

/** The caller's `signal` aborted the request (or the wait before a retry). */
export class ModelAbortedError extends ModelError {
  readonly retryable = false;

  constructor(context: ModelErrorContext, message = 'request aborted') {
    super('model_aborted', message, context);
  }
}

export function isModelError(error: unknown): error is ModelError {
  return error instanceof ModelError;
}

/** A short, quoted excerpt of a bad value for an error message. */
export function preview(value: unknown, max = 160): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
