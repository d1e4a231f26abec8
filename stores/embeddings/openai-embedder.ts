import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import type { CreateEmbeddingResponse, Embedding } from 'openai/resources/embeddings';
import pLimit from 'p-limit';
import { BackendError, ConfigError, ValidationError, type Logger, silentLogger } from '#core';
import { assertDimension, assertTexts, type Embedder, type EmbedOptions } from './embedder.js';

/** Native dimensions of OpenAI's embedding models; any other model needs `dimension` configured. */
export const OPENAI_MODEL_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIEmbedderOptions {
  /** @defaultValue 'text-embedding-3-small' */
  model?: string;
  /**
   * Length of the vectors. Optional for the models of {@link OPENAI_MODEL_DIMENSIONS} (their
   * native dimension; text-embedding-3 models can be asked for fewer), required for any other.
   */
  dimension?: number;
  /** An OpenAI-compatible endpoint, e.g. `http://127.0.0.1:11434/v1`. @defaultValue {@link OPENAI_DEFAULT_BASE_URL} */
  baseURL?: string;
  /**
   * Sent as `Authorization: Bearer …`. Required for api.openai.com; without it, a request to another
   * `baseURL` carries no Authorization header (local servers often need none).
   */
  apiKey?: string;
  /**
   * Whether requests carry `dimensions` (only text-embedding-3 and later models accept it).
   * @defaultValue true for a text-embedding-3 model with `dimension` given; false otherwise
   */
  sendDimensions?: boolean;
  /** Inputs per request; OpenAI accepts at most 2048. @defaultValue 2048 */
  maxInputsPerRequest?: number;
  /**
   * Estimated tokens per request (an estimate of UTF-8 bytes / 3, above the real count for most
   * text). OpenAI's limit is 300,000 summed over a request's inputs; a single input above the
   * budget is sent alone, and one above the model's limit (8192 tokens) is rejected by the API.
   * @defaultValue 250000
   */
  maxTokensPerRequest?: number;
  /** Requests in flight at once for one `embed` call. @defaultValue 4 */
  concurrency?: number;
  /** Retries of a request after a connection error, 408, 409, 429 or 5xx (the SDK's backoff). @defaultValue 2 */
  maxRetries?: number;
  /** Per-request timeout in milliseconds (each retry gets its own). @defaultValue 60000 */
  timeoutMs?: number;
  /** @defaultValue a logger that drops everything */
  logger?: Logger;
}

/**
 * Embeddings from the OpenAI API (`POST /embeddings`) through the official SDK, or from any server
 * that speaks its wire format (`baseURL`). Semantic, unlike the local embedder.
 *
 * An `embed` call is split into requests of at most `maxInputsPerRequest` inputs and
 * `maxTokensPerRequest` estimated tokens, sent `concurrency` at a time; the results are put back
 * in input order by each item's `index`. The SDK retries transient failures (`maxRetries`); the
 * first request that still fails cancels the others and its error is thrown. The API rejects an
 * empty string, so one is sent as a single space and gets that vector.
 */
export class OpenAIEmbedder implements Embedder {
  readonly name: string;
  readonly dimension: number;
  readonly model: string;
  private readonly client: OpenAI;
  private readonly baseURL: string;
  private readonly sendDimensions: boolean;
  private readonly maxInputs: number;
  private readonly maxTokens: number;
  private readonly concurrency: number;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly logger: Logger;

  constructor(options: OpenAIEmbedderOptions = {}) {
    this.model = options.model ?? 'text-embedding-3-small';
    this.name = `openai/${this.model}`;
    this.baseURL = options.baseURL ?? OPENAI_DEFAULT_BASE_URL;
    this.dimension = resolveDimension(this.model, options.dimension);
    this.sendDimensions =
      options.sendDimensions ??
      (this.model.startsWith('text-embedding-3') && options.dimension !== undefined);
    this.maxInputs = positiveInteger(options.maxInputsPerRequest ?? 2048, 'maxInputsPerRequest', 2048);
    this.maxTokens = positiveInteger(options.maxTokensPerRequest ?? 250_000, 'maxTokensPerRequest');
    this.concurrency = positiveInteger(options.concurrency ?? 4, 'concurrency');
    this.maxRetries = nonNegativeInteger(options.maxRetries ?? 2, 'maxRetries');
    this.timeoutMs = positiveInteger(options.timeoutMs ?? 60_000, 'timeoutMs');
    this.logger = options.logger ?? silentLogger;

    let host: string;
    try {
      host = new URL(this.baseURL).hostname;
    } catch (error) {
      throw new ConfigError(`openai embedder: baseURL '${this.baseURL}' is not a URL`, {}, error);
    }
    if (!options.apiKey && host === 'api.openai.com') {
      throw new ConfigError(
        'the openai embeddings provider needs an API key: set embeddings.apiKey or OPENAI_API_KEY',
        { field: 'embeddings.apiKey' },
      );
    }
    // The options the SDK would otherwise read from process.env are given explicitly (config is read
    // once by the loader and passed down; only OPENAI_CUSTOM_HEADERS is always read by the SDK).
    // Its logger is ours: its default is console, and console.log/info write to stdout.
    this.client = new OpenAI({
      // The SDK refuses to start without a key; for a keyless server the header is dropped below.
      apiKey: options.apiKey ?? 'none',
      baseURL: this.baseURL,
      organization: null,
      project: null,
      adminAPIKey: null,
      webhookSecret: null,
      maxRetries: this.maxRetries,
      timeout: this.timeoutMs,
      logLevel: 'info',
      logger: sdkLogger(this.logger),
      ...(options.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
    });
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<number[][]> {
    assertTexts(texts);
    const { signal } = options;
    signal?.throwIfAborted();
    if (texts.length === 0) return [];

    const batches = planBatches(texts, this.maxInputs, this.maxTokens);
    this.logger.debug(
      { model: this.model, texts: texts.length, requests: batches.length },
      'embedding with openai',
    );
    const vectors = new Array<number[]>(texts.length);
    // Cancels the requests still queued or in flight once one has failed (or the caller aborts).
    const stop = new AbortController();
    const requestSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    const limit = pLimit(this.concurrency);
    const failures: unknown[] = [];
    await Promise.all(
      batches.map(({ start, end }) =>
        limit(async () => {
          if (requestSignal.aborted) return;
          try {
            const batch = await this.request(texts.slice(start, end), requestSignal);
            for (let i = 0; i < batch.length; i++) vectors[start + i] = batch[i]!;
          } catch (error) {
            failures.push(error);
            stop.abort();
          }
        }),
      ),
    );
    signal?.throwIfAborted();
    // The first failure is the cause; the later ones are mostly the aborts it triggered.
    if (failures.length > 0) throw failures[0];
    return vectors;
  }

  async embedOne(text: string, options: EmbedOptions = {}): Promise<number[]> {
    const [vector] = await this.embed([text], options);
    return vector!;
  }

  /** One request; returns the vectors in the order of `input`. */
  private async request(input: string[], signal: AbortSignal): Promise<number[][]> {
    let response: CreateEmbeddingResponse;
    try {
      response = await this.client.embeddings.create(
        {
          model: this.model,
          input: input.map((text) => (text === '' ? ' ' : text)),
          encoding_format: 'float',
          ...(this.sendDimensions ? { dimensions: this.dimension } : {}),
        },
        { signal },
      );
    } catch (error) {
      throw this.describeFailure(error);
    }
    return this.readResponse(response, input.length);
  }

  private readResponse(response: CreateEmbeddingResponse, expected: number): number[][] {
    const data: unknown = response?.data;
    if (!Array.isArray(data) || data.length !== expected) {
      throw new BackendError(
        'openai',
        `${this.baseURL} returned ${Array.isArray(data) ? data.length : 'no'} embeddings for ${expected} inputs`,
      );
    }
    const vectors = new Array<number[]>(expected);
    for (const item of data as Partial<Embedding>[]) {
      const index = item?.index;
      const embedding = item?.embedding;
      if (
        typeof index !== 'number' ||
        !Number.isInteger(index) ||
        index < 0 ||
        index >= expected ||
        vectors[index]
      ) {
        throw new BackendError('openai', `${this.baseURL} returned an embedding with a bad index ${index}`);
      }
      if (!Array.isArray(embedding)) {
        throw new BackendError(
          'openai',
          `${this.baseURL} returned an embedding that is not a list of floats`,
        );
      }
      if (embedding.length !== this.dimension) {
        throw new ValidationError(
          `openai: model '${this.model}' returned vectors of dimension ${embedding.length}, expected ${this.dimension} (embeddings.dimension)`,
          { model: this.model, expected: this.dimension, received: embedding.length },
        );
      }
      if (!embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new BackendError('openai', `${this.baseURL} returned an embedding with non-numeric components`);
      }
      vectors[index] = embedding;
    }
    return vectors;
  }

  private attempts(): string {
    return this.maxRetries === 0 ? '1 attempt, no retries' : `${this.maxRetries + 1} attempts`;
  }

  /** Turns an SDK error into a BackendError whose message says what to check. */
  private describeFailure(error: unknown): unknown {
    if (error instanceof APIUserAbortError) return error;
    const at = `${this.baseURL} (model '${this.model}')`;
    const detail = error instanceof Error ? error.message : String(error);
    let message: string;
    if (error instanceof AuthenticationError) {
      message = `the API key was refused (401) by ${at}; check embeddings.apiKey / OPENAI_API_KEY: ${detail}`;
    } else if (error instanceof PermissionDeniedError) {
      message = `the API key may not use ${at} (403): ${detail}`;
    } else if (error instanceof NotFoundError) {
      message = `not found (404) at ${at}; check embeddings.model and embeddings.baseURL: ${detail}`;
    } else if (error instanceof RateLimitError) {
      message = `rate limited (429) by ${at} after ${this.maxRetries} retries: ${detail}`;
    } else if (error instanceof BadRequestError) {
      message = `request rejected (400) by ${at}: ${detail}`;
    } else if (error instanceof APIConnectionTimeoutError) {
      message = `no answer from ${at} within ${this.timeoutMs} ms (${this.attempts()})`;
    } else if (error instanceof APIConnectionError) {
      message = `could not reach ${at} (${this.attempts()}): ${causeOf(error)}`;
    } else if (error instanceof APIError) {
      message = `${at} failed with status ${error.status ?? 'unknown'}: ${detail}`;
    } else {
      message = `embedding request to ${at} failed: ${detail}`;
    }
    return new BackendError('openai', message, error);
  }
}

function resolveDimension(model: string, configured: number | undefined): number {
  const native = OPENAI_MODEL_DIMENSIONS[model];
  if (configured === undefined) {
    if (native !== undefined) return native;
    throw new ConfigError(
      `embeddings.dimension is required for model '${model}': its dimension is not known in advance (known: ${Object.keys(OPENAI_MODEL_DIMENSIONS).join(', ')})`,
      { field: 'embeddings.dimension', model },
    );
  }
  const dimension = assertDimension(configured, `openai embedder (model '${model}')`);
  if (native !== undefined && dimension > native) {
    throw new ConfigError(`model '${model}' gives at most ${native} dimensions, not ${dimension}`, {
      field: 'embeddings.dimension',
      model,
    });
  }
  if (model === 'text-embedding-ada-002' && dimension !== native) {
    throw new ConfigError(`model '${model}' has a fixed dimension of ${native}, not ${dimension}`, {
      field: 'embeddings.dimension',
      model,
    });
  }
  return dimension;
}

/** Contiguous ranges of `texts`, each within both limits (a single oversized text gets its own). */
export function planBatches(
  texts: readonly string[],
  maxInputs: number,
  maxTokens: number,
): { start: number; end: number }[] {
  const batches: { start: number; end: number }[] = [];
  let start = 0;
  let tokens = 0;
  for (let i = 0; i < texts.length; i++) {
    const estimate = estimateTokens(texts[i]!);
    if (i > start && (i - start >= maxInputs || tokens + estimate > maxTokens)) {
      batches.push({ start, end: i });
      start = i;
      tokens = 0;
    }
    tokens += estimate;
  }
  if (start < texts.length) batches.push({ start, end: texts.length });
  return batches;
}

/** A cheap upper estimate of tokens: a token covers about 4 bytes of English, ~3 of most scripts. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(text, 'utf8') / 3));
}

function sdkLogger(logger: Logger): NonNullable<ConstructorParameters<typeof OpenAI>[0]>['logger'] {
  // The SDK logs a retry at info (our debug); its debug level, with request bodies, is never enabled.
  return {
    error: (message, ...rest) => logger.warn({ sdk: 'openai', details: rest }, message),
    warn: (message, ...rest) => logger.warn({ sdk: 'openai', details: rest }, message),
    info: (message, ...rest) => logger.debug({ sdk: 'openai', details: rest }, message),
    debug: (message, ...rest) => logger.trace({ sdk: 'openai', details: rest }, message),
  };
}

function causeOf(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? cause.message : error.message;
}

function positiveInteger(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`openai embedder: ${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(`openai embedder: ${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}
