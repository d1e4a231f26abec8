import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import * as routes from './fake-github-routes.js';
import { FakeHttpError, type Handler, type Reply, type RouteContext } from './fake-github-routes.js';
import * as search from './fake-github-search.js';
import { createRepo, type FakeRepo, type RepoSeed, signature } from './fake-github-state.js';

export type { FakeRepo, RepoSeed } from './fake-github-state.js';

/**
 * A local stand-in for api.github.com, speaking its REST shapes (field names, status codes, error
 * bodies `{message, documentation_url, errors, status}`, `link` pagination, base64 contents wrapped
 * at 60 characters, `x-ratelimit-*` headers) for exactly the endpoints the github MCP server uses.
 * Repositories hold real git objects (fake-github-git.ts), so the git data API behaves like GitHub's,
 * fast-forward check included. Every request is recorded; faults can be queued.
 */

export interface RecordedRequest {
  method: string;
  /** The raw path, as sent (percent-encoding kept). */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeGitHubOptions {
  /** Tokens GitHub accepts, each for the login it maps to. @defaultValue { 'test-token': 'octocat' } */
  tokens?: Record<string, string>;
}

const ROUTES: Array<[string, RegExp, Handler]> = [
  ['GET', /^\/repos\/([^/]+)\/([^/]+)$/, routes.getRepo],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/contents(?:\/(.*))?$/, routes.getContents],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/issues$/, routes.listIssues],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/issues$/, routes.createIssue],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, routes.createComment],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, routes.listPulls],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, routes.createPull],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/git\/ref\/(.+)$/, routes.getRef],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/git\/refs$/, routes.createRef],
  ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/git\/refs\/(.+)$/, routes.updateRef],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/git\/commits\/([0-9a-f]{40})$/, routes.getCommit],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/git\/commits$/, routes.createCommit],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/git\/blobs$/, routes.createBlob],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/git\/trees$/, routes.createTree],
  ['GET', /^\/search\/repositories$/, search.searchRepositories],
  ['GET', /^\/search\/code$/, search.searchCode],
  ['GET', /^\/search\/issues$/, search.searchIssues],
];

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  private readonly repos = new Map<string, FakeRepo>();
  private readonly faults: Array<CannedResponse | { hang: () => void }> = [];
  private readonly listeners = new Set<(request: RecordedRequest) => void>();
  private readonly tokens: Record<string, string>;
  private used = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    options: FakeGitHubOptions,
  ) {
    this.tokens = options.tokens ?? { 'test-token': 'octocat' };
  }

  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const fake = new FakeGitHub(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      options,
    );
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.handle(req, res).catch((error: unknown) => {
        // A bug in the fake, not a GitHub answer: make it loud in the test that hit it.
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ message: `fake GitHub failed: ${String(error)}` }));
      });
    });
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }

  /** Forgets repositories, recorded requests, queued faults and listeners. */
  reset(): void {
    this.repos.clear();
    this.requests.length = 0;
    this.faults.length = 0;
    this.listeners.clear();
  }

  addRepo(seed: RepoSeed): FakeRepo {
    const repo = createRepo(seed);
    this.repos.set(`${seed.owner}/${seed.name}`.toLowerCase(), repo);
    return repo;
  }

  repo(owner: string, name: string): FakeRepo {
    const repo = this.repos.get(`${owner}/${name}`.toLowerCase());
    if (!repo) throw new Error(`the fake has no repository ${owner}/${name}`);
    return repo;
  }

  /** Commits files to a branch directly, as another client pushing would. Returns the commit sha. */
  push(
    owner: string,
    name: string,
    branch: string,
    files: Record<string, string>,
    message = 'Concurrent push',
  ): string {
    return this.repo(owner, name).git.commitFiles(branch, files, message, signature('hubot'));
  }

  /** A file's bytes at a branch (or commit), as text; undefined when absent. */
  readFile(owner: string, name: string, ref: string, path: string): string | undefined {
    const git = this.repo(owner, name).git;
    const commit = git.resolve(ref);
    const entry = commit ? git.lookup(commit, path) : undefined;
    return entry?.type === 'blob' ? git.get(entry.sha, 'blob')!.content.toString('utf8') : undefined;
  }

  /** The commits of a branch, newest first (first parents only). */
  log(
    owner: string,
    name: string,
    branch: string,
  ): Array<{ sha: string; message: string; parents: string[] }> {
    const git = this.repo(owner, name).git;
    const commits = [];
    for (let sha = git.resolve(branch); sha;) {
      const commit = git.get(sha, 'commit')!;
      commits.push({ sha, message: commit.message, parents: commit.parents });
      sha = commit.parents[0];
    }
    return commits;
  }

  /** Answers the next `times` requests with this response instead of handling them. */
  failNext(response: CannedResponse, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(response);
  }

  /**
   * Answers the next `times` requests as GitHub does when a limit is hit: a secondary limit with
   * `retry-after: <seconds>`, or the primary limit with `x-ratelimit-remaining: 0` and
   * `x-ratelimit-reset: <epoch seconds>`.
   */
  rateLimitNext(
    limit: { retryAfter: number } | { resetAt: number },
    options: { status?: 403 | 429; times?: number } = {},
  ): void {
    const secondary = 'retryAfter' in limit;
    this.failNext(
      {
        status: options.status ?? 403,
        headers: secondary
          ? { 'retry-after': String(limit.retryAfter) }
          : { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(limit.resetAt) },
        body: {
          message: secondary
            ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
            : 'API rate limit exceeded for user ID 1.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: String(options.status ?? 403),
        },
      },
      options.times,
    );
  }

  /**
   * Leaves the next request unanswered; resolves once the client gives up on it (its connection
   * closes), which is how a test sees that a cancellation reached the HTTP request.
   */
  hangNext(): Promise<void> {
    return new Promise((resolve) => this.faults.push({ hang: resolve }));
  }

  /** Calls `listener` with each request as it arrives, before it is answered; returns an unsubscribe. */
  onRequest(listener: (request: RecordedRequest) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    let body: unknown = raw === '' ? undefined : raw;
    if (raw !== '' && /json/.test(req.headers['content-type'] ?? '')) {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.send(
          res,
          {
            status: 400,
            body: { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest' },
          },
          'core',
        );
      }
    }
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    };
    this.requests.push(request);
    for (const listener of this.listeners) listener(request);
    const resource = url.pathname.startsWith('/search/') ? 'search' : 'core';
    const fault = this.faults.shift();
    if (fault && 'hang' in fault) {
      res.on('close', fault.hang);
      return;
    }
    if (fault)
      return this.send(
        res,
        { status: fault.status, body: fault.body ?? '', headers: fault.headers ?? {} },
        resource,
      );
    try {
      this.send(res, this.route(request, url, body), resource);
    } catch (error) {
      if (!(error instanceof FakeHttpError)) throw error;
      this.send(res, { status: error.status, body: error.body() }, resource);
    }
  }

  private route(request: RecordedRequest, url: URL, body: unknown): Reply {
    const user = this.authenticate(request.headers.authorization);
    const ctx: RouteContext = {
      api: this.url,
      path: url.pathname,
      query: url.searchParams,
      body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
      user,
      repo: (owner, name) => {
        const repo = this.repos.get(`${owner}/${name}`.toLowerCase());
        // GitHub hides a private repository from those who cannot see it behind a 404.
        if (!repo || (repo.private && !user)) throw new FakeHttpError(404, 'Not Found');
        return repo;
      },
      allRepos: () => [...this.repos.values()].filter((r) => !r.private || user !== undefined),
    };
    for (const [method, pattern, handler] of ROUTES) {
      const match = method === request.method ? pattern.exec(url.pathname) : null;
      if (match) return handler(ctx, ...match.slice(1).map((p) => decodeURIComponent(p ?? '')));
    }
    throw new FakeHttpError(404, 'Not Found');
  }

  private authenticate(header: string | undefined): string | undefined {
    if (header === undefined) return undefined;
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(header)?.[1];
    const user = token === undefined ? undefined : this.tokens[token];
    if (user === undefined) throw new FakeHttpError(401, 'Bad credentials');
    return user;
  }

  private send(res: ServerResponse, reply: Reply, resource: string): void {
    this.used++;
    const reset = Math.floor(Date.now() / 1000) + 3600;
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(Math.max(0, 5000 - this.used)),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': String(this.used),
      'x-ratelimit-resource': resource,
      ...reply.headers,
    });
    res.end(text);
  }
}
