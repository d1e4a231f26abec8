import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from '../../../../mcp-servers/github/create-server.js';
import { ConfigError } from '../../../../core/errors.js';
import { silentLogger } from '../../../../core/logger.js';
import { FakeGitHub } from '../../../support/fake-github.js';
import { freePort } from '../../../support/free-port.js';
import { type Connected, connect, dataOf, fakeTime, README, seed, textOf } from './github-harness.js';

const README_CALL = { owner: 'octo', repo: 'hello', path: 'README.md' };

function expectToolError(result: CallToolResult, ...patterns: RegExp[]): void {
  expect(result.isError, textOf(result)).toBe(true);
  for (const pattern of patterns) expect(textOf(result)).toMatch(pattern);
}

/** Fails fast (not at the test timeout) when what a feature should cause does not happen. */
async function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await FakeGitHub.start();
});
afterAll(async () => fake.close());
beforeEach(() => {
  fake.reset();
  seed(fake);
});

describe('github server: rate limits', () => {
  let time: ReturnType<typeof fakeTime>;
  let server: Connected;
  beforeEach(async () => {
    time = fakeTime();
    server = await connect(fake, { rateLimitWaitMs: 30_000, now: time.now, sleep: time.sleep });
  });
  afterEach(async () => server.close());

  it('waits out a retry-after within the bound, then retries and succeeds', async () => {
    fake.rateLimitNext({ retryAfter: 1 });
    const file = dataOf<{ content: string }>(await server.call('get_file_contents', README_CALL));
    expect(file.content).toBe(README);
    expect(time.state.sleeps).toEqual([1000]);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.path).toBe(fake.requests[0]!.path);
  });

  it('waits until x-ratelimit-reset when the primary limit is spent (429 too)', async () => {
    fake.rateLimitNext({ resetAt: time.now() / 1000 + 5 }, { status: 429 });
    dataOf(await server.call('list_issues', { owner: 'octo', repo: 'hello' }));
    expect(time.state.sleeps).toEqual([5000]);
    expect(fake.requests).toHaveLength(2);
  });

  it('answers with the UTC time to retry at when the reset is further away than the bound', async () => {
    fake.rateLimitNext({ resetAt: time.now() / 1000 + 3600 });
    expectToolError(
      await server.call('get_file_contents', README_CALL),
      /GitHub rate limit reached for GET \/repos\/octo\/hello\/contents\/README\.md \(API rate limit exceeded/,
      /lifts at 2025-06-01T13:00:00Z, 3600 s from now/,
      /longer than this server waits \(30 s\)/,
      /Call again at 2025-06-01T13:00:00Z or later/,
    );
    expect(time.state.sleeps).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('bounds the total wait of one request, not each wait', async () => {
    fake.rateLimitNext({ retryAfter: 20 }, { times: 2 });
    expectToolError(await server.call('get_file_contents', README_CALL), /20 s from now/);
    expect(time.state.sleeps).toEqual([20_000]);
    expect(fake.requests).toHaveLength(2);
  });

  it('does not mistake a permission 403 for a rate limit', async () => {
    fake.failNext({
      status: 403,
      body: {
        message: 'Resource not accessible by personal access token',
        documentation_url: 'https://docs.github.com/rest',
      },
    });
    expectToolError(
      await server.call('create_issue', { owner: 'octo', repo: 'hello', title: 'x' }),
      /403 Resource not accessible by personal access token to POST \/repos\/octo\/hello\/issues/,
      /lacks permission/,
    );
    expect(time.state.sleeps).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('sends a progress notification while it waits, when the client asked for progress', async () => {
    fake.rateLimitNext({ retryAfter: 2 });
    const progress: Array<{ progress: number; message?: string }> = [];
    const result = await server.client.callTool(
      { name: 'search_repositories', arguments: { query: 'hello' } },
      { onprogress: (p) => progress.push(p) },
    );
    dataOf(result as CallToolResult);
    expect(progress).toEqual([
      expect.objectContaining({
        progress: 1,
        message: expect.stringMatching(
          /rate limit on GET \/search\/repositories.*waiting 2 s, until 2025-06-01T12:00:02Z/,
        ),
      }),
    ]);
  });

  it('stops waiting and never retries when the client cancels during the wait', async () => {
    let waitSignal: AbortSignal | undefined;
    let waiting!: () => void;
    const started = new Promise<void>((resolve) => (waiting = resolve));
    const gated = await connect(fake, {
      now: time.now,
      // Waits until aborted, like the real timer does for a long limit.
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          waitSignal = signal;
          waiting();
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    });
    try {
      fake.rateLimitNext({ retryAfter: 10 });
      const controller = new AbortController();
      const call = gated.client.callTool(
        { name: 'get_file_contents', arguments: README_CALL },
        {
          signal: controller.signal,
        },
      );
      await within(started, 'the rate-limit wait');
      controller.abort(new Error('user cancelled'));
      await expect(call).rejects.toThrow(/user cancelled/);
      await expect.poll(() => waitSignal?.aborted, { timeout: 2000 }).toBe(true);
      // Give a retry, had there been one, time to reach the fake.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fake.requests).toHaveLength(1);
    } finally {
      await gated.close();
    }
  });
});

describe('github server: failures', () => {
  it('cancellation reaches the HTTP request in flight', async () => {
    const server = await connect(fake);
    try {
      const closed = fake.hangNext();
      const controller = new AbortController();
      const call = server.client.callTool(
        { name: 'get_file_contents', arguments: README_CALL },
        {
          signal: controller.signal,
        },
      );
      await expect.poll(() => fake.requests.length).toBe(1);
      controller.abort(new Error('user cancelled'));
      await expect(call).rejects.toThrow(/user cancelled/);
      // Without the signal on the request, the fake would keep the connection open until close().
      await within(closed, 'the HTTP request being aborted');
    } finally {
      await server.close();
    }
  });

  it('names the token as the problem on 401 Bad credentials', async () => {
    const server = await connect(fake, { token: 'revoked-token' });
    try {
      expectToolError(
        await server.call('list_issues', { owner: 'octo', repo: 'hello' }),
        /GitHub answered 401 Bad credentials to GET \/repos\/octo\/hello\/issues/,
        /refused the configured token \(GITHUB_TOKEN\)/,
      );
      expect(fake.requests[0]!.headers.authorization).toBe('token revoked-token');
    } finally {
      await server.close();
    }
  });

  it('says which API URL could not be reached when nothing listens there', async () => {
    const port = await freePort();
    const server = await connect(fake, { apiUrl: `http://127.0.0.1:${port}/` });
    try {
      expectToolError(
        await server.call('get_file_contents', README_CALL),
        new RegExp(
          `Could not reach the GitHub API at http://127\\.0\\.0\\.1:${port} for GET /repos/octo/hello/contents/README\\.md \\(ECONNREFUSED`,
        ),
        /Check that GITHUB_API_URL/,
      );
    } finally {
      await server.close();
    }
  });

  it('reports a GitHub outage (5xx) as a retryable failure', async () => {
    const server = await connect(fake);
    try {
      fake.failNext({ status: 502, body: { message: 'Server Error' } });
      expectToolError(
        await server.call('search_issues', { query: 'is:issue crash' }),
        /502 Server Error/,
        /call again in a moment/,
      );
      dataOf(await server.call('search_issues', { query: 'is:issue crash' }));
    } finally {
      await server.close();
    }
  });

  it('refuses a malformed API URL at startup', () => {
    expect(() => createServer({ apiUrl: 'not a url', rateLimitWaitMs: 0, logger: silentLogger })).toThrow(
      ConfigError,
    );
    expect(() =>
      createServer({ apiUrl: 'ftp://example.com', rateLimitWaitMs: 0, logger: silentLogger }),
    ).toThrow(/http\(s\)/);
  });
});
