import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError, ConfigError, ValidationError } from '../../../../core/errors.js';
import { createEmbedder } from '../../../../stores/embeddings/create-embedder.js';
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from '../../../../stores/embeddings/openai-embedder.js';

/**
 * The OpenAI API cannot be reached from tests, so each test starts a local HTTP server that speaks
 * its wire format for `POST /v1/embeddings` (request and response bodies, error objects, status
 * codes) and records what the official SDK sent.
 */

interface EmbeddingsRequest {
  model: string;
  input: string[];
  encoding_format?: string;
  dimensions?: number;
}

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: EmbeddingsRequest;
}

type Handler = (request: RecordedRequest, response: ServerResponse, seen: number) => void | Promise<void>;

interface FakeOpenAI {
  baseURL: string;
  requests: RecordedRequest[];
  maxInFlight: number;
}

const servers: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(handler: Handler = respondWithEmbeddings()): Promise<FakeOpenAI> {
  const fake: FakeOpenAI = { baseURL: '', requests: [], maxInFlight: 0 };
  let inFlight = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as EmbeddingsRequest,
      };
      fake.requests.push(request);
      inFlight++;
      fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
      res.on('close', () => inFlight--);
      Promise.resolve(handler(request, res, fake.requests.length)).catch((error: unknown) => {
        res.writeHead(599).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.baseURL = `http://127.0.0.1:${port}/v1`;
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return fake;
}

/** A deterministic stand-in for a model: the same text always gets the same vector. */
function vectorFor(text: string, dimension: number): number[] {
  let sum = 0;
  for (const char of text) sum = (sum * 31 + char.codePointAt(0)!) % 100_003;
  return Array.from({ length: dimension }, (_, i) => ((sum * (i + 7)) % 997) / 997);
}

interface EmbeddingsBehavior {
  dimension?: number;
  /** Reorders `data` before sending (the API does not promise index order). */
  shuffle?: (data: unknown[]) => unknown[];
  delayMs?: number;
}

function respondWithEmbeddings(behavior: EmbeddingsBehavior = {}): Handler {
  return async (request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/embeddings') {
      sendError(response, 404, `Invalid URL (${request.method} ${request.url})`, 'invalid_request_error');
      return;
    }
    if (behavior.delayMs) await new Promise((resolve) => setTimeout(resolve, behavior.delayMs));
    const dimension = behavior.dimension ?? request.body.dimensions ?? 1536;
    const data = request.body.input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: vectorFor(text, dimension),
    }));
    const tokens = request.body.input.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
    sendJson(response, 200, {
      object: 'list',
      data: behavior.shuffle ? behavior.shuffle(data) : data,
      model: request.body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** OpenAI's error envelope. */
function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
): void {
  sendJson(response, status, { error: { message, type, param: null, code } });
}

function embedder(fake: FakeOpenAI, options: OpenAIEmbedderOptions = {}): OpenAIEmbedder {
  return new OpenAIEmbedder({
    model: 'text-embedding-3-small',
    dimension: 8,
    apiKey: 'sk-test-key',
    baseURL: fake.baseURL,
    ...options,
  });
}

const texts = (count: number, prefix = 'text'): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i}`);

describe('OpenAIEmbedder against a server speaking the OpenAI wire format', () => {
  it('sends the model, the input batch, float encoding and dimensions, with the key as a bearer token', async () => {
    const fake = await startServer();
    const vectors = await embedder(fake).embed(['first text', 'second text']);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/v1/embeddings');
    expect(request!.headers.authorization).toBe('Bearer sk-test-key');
    expect(request!.headers['content-type']).toContain('application/json');
    expect(request!.body).toEqual({
      model: 'text-embedding-3-small',
      input: ['first text', 'second text'],
      encoding_format: 'float',
      dimensions: 8,
    });
    expect(vectors).toEqual([vectorFor('first text', 8), vectorFor('second text', 8)]);
  });

  it('knows its dimension before any request and makes none for an empty input', async () => {
    const fake = await startServer();
    const small = embedder(fake, { dimension: 256 });
    expect(small.dimension).toBe(256);
    expect(small.name).toBe('openai/text-embedding-3-small');
    expect(embedder(fake, { dimension: undefined }).dimension).toBe(1536);
    expect(embedder(fake, { model: 'text-embedding-3-large', dimension: undefined }).dimension).toBe(3072);
    expect(await small.embed([])).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('omits dimensions when the model native dimension is used', async () => {
    const fake = await startServer();
    const [vector] = await embedder(fake, { dimension: undefined }).embed(['hello']);
    expect(fake.requests[0]!.body).not.toHaveProperty('dimensions');
    expect(vector).toHaveLength(1536);
  });

  it('splits a large call into requests of at most maxInputsPerRequest, in order', async () => {
    const fake = await startServer();
    const input = texts(10);
    const vectors = await embedder(fake, { maxInputsPerRequest: 3, concurrency: 1 }).embed(input);

    expect(fake.requests.map((r) => r.body.input)).toEqual([
      ['text 0', 'text 1', 'text 2'],
      ['text 3', 'text 4', 'text 5'],
      ['text 6', 'text 7', 'text 8'],
      ['text 9'],
    ]);
    expect(vectors).toEqual(input.map((text) => vectorFor(text, 8)));
  });

  it('splits by estimated tokens too, and sends an oversized input alone', async () => {
    const fake = await startServer();
    // 300 ASCII bytes ≈ 100 estimated tokens each; a budget of 250 fits two.
    const input = ['a'.repeat(300), 'b'.repeat(300), 'c'.repeat(300), 'd'.repeat(3000), 'e'.repeat(300)];
    const vectors = await embedder(fake, { maxTokensPerRequest: 250, concurrency: 1 }).embed(input);
    expect(fake.requests.map((r) => r.body.input.map((text) => text[0]))).toEqual([
      ['a', 'b'],
      ['c'],
      ['d'],
      ['e'],
    ]);
    expect(vectors).toEqual(input.map((text) => vectorFor(text, 8)));
  });

  it('restores input order when the server returns data out of order', async () => {
    const fake = await startServer(respondWithEmbeddings({ shuffle: (data) => [...data].reverse() }));
    const input = texts(7, 'item');
    const vectors = await embedder(fake, { maxInputsPerRequest: 4 }).embed(input);
    expect(vectors).toEqual(input.map((text) => vectorFor(text, 8)));
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    // A real delay: requests must overlap in time for the bound to be observable.
    const fake = await startServer(respondWithEmbeddings({ delayMs: 30 }));
    const input = texts(12);
    const vectors = await embedder(fake, { maxInputsPerRequest: 2, concurrency: 2 }).embed(input);
    expect(fake.requests).toHaveLength(6);
    expect(fake.maxInFlight).toBe(2);
    expect(vectors).toEqual(input.map((text) => vectorFor(text, 8)));
  });

  it('sends an empty string as a single space (the API rejects empty input)', async () => {
    const fake = await startServer();
    const vectors = await embedder(fake).embed(['', 'x']);
    expect(fake.requests[0]!.body.input).toEqual([' ', 'x']);
    expect(vectors[0]).toEqual(vectorFor(' ', 8));
  });

  it('reports a refused API key (401) clearly, without retrying', async () => {
    const fake = await startServer((_request, response) =>
      sendError(
        response,
        401,
        'Incorrect API key provided: sk-bad. You can find your API key at https://platform.openai.com/account/api-keys.',
        'invalid_request_error',
        'invalid_api_key',
      ),
    );
    const failing = embedder(fake, { apiKey: 'sk-bad' }).embed(['hello']);
    await expect(failing).rejects.toBeInstanceOf(BackendError);
    await expect(failing).rejects.toThrow(/openai: the API key was refused \(401\).*OPENAI_API_KEY/);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-bad');
  });

  it('retries a 500 (the SDK backoff) and then succeeds', async () => {
    // The SDK's own backoff waits about 0.4–0.5 s before the retry: a real, bounded delay.
    const fake = await startServer((request, response, seen) => {
      if (seen === 1) {
        sendError(response, 500, 'The server had an error while processing your request.', 'server_error');
        return;
      }
      return respondWithEmbeddings()(request, response, seen);
    });
    const vectors = await embedder(fake, { maxRetries: 2 }).embed(['retry me']);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.body.input).toEqual(['retry me']);
    expect(vectors).toEqual([vectorFor('retry me', 8)]);
  });

  it('gives up after maxRetries with a BackendError naming the status', async () => {
    const fake = await startServer((_request, response) =>
      sendError(response, 503, 'The engine is currently overloaded.', 'server_error'),
    );
    const failing = embedder(fake, { maxRetries: 0 }).embed(['hello']);
    await expect(failing).rejects.toThrow(/openai: .*failed with status 503/);
    expect(fake.requests).toHaveLength(1);
  });

  it('rejects vectors of the wrong dimension with a ValidationError naming both', async () => {
    const fake = await startServer(respondWithEmbeddings({ dimension: 3 }));
    const failing = embedder(fake).embed(['hello']);
    await expect(failing).rejects.toBeInstanceOf(ValidationError);
    await expect(failing).rejects.toMatchObject({
      message: expect.stringMatching(/dimension 3, expected 8/),
      details: { expected: 8, received: 3, model: 'text-embedding-3-small' },
    });
  });

  it('rejects a response with a missing embedding', async () => {
    const fake = await startServer((request, response) =>
      sendJson(response, 200, {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: vectorFor('x', 8) }],
        model: request.body.model,
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    );
    await expect(embedder(fake).embed(['a', 'b'])).rejects.toThrow(/returned 1 embeddings for 2 inputs/);
  });

  it('stops sending requests after one fails', async () => {
    const fake = await startServer((_request, response) =>
      sendError(response, 400, "'$.input' is invalid.", 'invalid_request_error'),
    );
    const failing = embedder(fake, { maxInputsPerRequest: 1, concurrency: 1 }).embed(texts(5));
    await expect(failing).rejects.toThrow(/request rejected \(400\).*'\$\.input' is invalid/);
    expect(fake.requests).toHaveLength(1);
  });

  it('passes the AbortSignal through: aborting cancels the request in flight', async () => {
    const fake = await startServer(() => {
      // Never answers; the client must give up on its own.
    });
    const controller = new AbortController();
    const pending = embedder(fake).embed(['slow'], { signal: controller.signal });
    await expect.poll(() => fake.requests.length).toBe(1);
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it('times out a request that gets no answer', async () => {
    const fake = await startServer(() => {});
    const failing = embedder(fake, { timeoutMs: 200, maxRetries: 0 }).embed(['slow']);
    await expect(failing).rejects.toThrow(/no answer from .* within 200 ms/);
  });

  it('sends no Authorization header to a compatible server when no key is configured', async () => {
    const fake = await startServer(respondWithEmbeddings({ dimension: 8 }));
    const keyless = embedder(fake, { apiKey: undefined, model: 'nomic-embed-text', dimension: 8 });
    await keyless.embed(['hello']);
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
    // An unknown model's dimension is declared, not requested: compatible servers often reject it.
    expect(fake.requests[0]!.body).not.toHaveProperty('dimensions');
  });
});

describe('OpenAIEmbedder configuration', () => {
  it('requires a dimension for a model whose dimension is not known', () => {
    expect(() => new OpenAIEmbedder({ model: 'my-embedder', baseURL: 'http://127.0.0.1:1/v1' })).toThrow(
      ConfigError,
    );
    expect(() => new OpenAIEmbedder({ model: 'my-embedder', baseURL: 'http://127.0.0.1:1/v1' })).toThrow(
      /embeddings\.dimension is required for model 'my-embedder'/,
    );
  });

  it('rejects dimensions a model cannot give', () => {
    const base = { apiKey: 'k' };
    expect(() => new OpenAIEmbedder({ ...base, model: 'text-embedding-ada-002', dimension: 512 })).toThrow(
      /fixed dimension of 1536/,
    );
    expect(() => new OpenAIEmbedder({ ...base, model: 'text-embedding-3-small', dimension: 2000 })).toThrow(
      /at most 1536/,
    );
    expect(new OpenAIEmbedder({ ...base, model: 'text-embedding-ada-002' }).dimension).toBe(1536);
  });

  it('requires an API key for api.openai.com', () => {
    expect(() => new OpenAIEmbedder({})).toThrow(/needs an API key: set embeddings.apiKey or OPENAI_API_KEY/);
  });

  it('is what createEmbedder builds for provider openai', async () => {
    const fake = await startServer();
    const built = createEmbedder(
      {
        provider: 'openai',
        model: 'text-embedding-3-small',
        dimension: 8,
        baseURL: fake.baseURL,
        apiKey: 'k',
      },
      { openai: { maxRetries: 0 } },
    );
    expect(built).toBeInstanceOf(OpenAIEmbedder);
    expect(built.dimension).toBe(8);
    expect(await built.embedOne('via the factory')).toEqual(vectorFor('via the factory', 8));
    expect(fake.requests[0]!.body.model).toBe('text-embedding-3-small');
    expect(() => createEmbedder({ provider: 'openai', model: 'unknown-model', apiKey: 'k' })).toThrow(
      ConfigError,
    );
  });
});
