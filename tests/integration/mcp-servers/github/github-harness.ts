import { createServer, type GitHubServerDeps } from '../../../../mcp-servers/github/create-server.js';
import { silentLogger } from '../../../../core/logger.js';
import type { FakeGitHub } from '../../../support/fake-github.js';
import { connectInMemory, dataOf, type InMemoryConnection, textOf } from '../../../support/in-memory-mcp.js';

export { dataOf, textOf };
export type Connected = InMemoryConnection;

/** A 1×1 PNG: bytes that are not UTF-8 text. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** A README long enough that GitHub's base64 of it wraps over several lines. */
export const README = '# hello\n\nA greeting in TypeScript. ✓ Unicode survives the round trip.\n'.repeat(3);

/** octo/hello (public, with files and issues), octo/tools (public) and octo/secret (private). */
export function seed(fake: FakeGitHub): void {
  fake.addRepo({
    owner: 'octo',
    name: 'hello',
    description: 'Hello world in TypeScript',
    language: 'TypeScript',
    topics: ['mcp', 'demo'],
    stars: 42,
    collaborators: ['hubot'],
    files: {
      'README.md': README,
      'src/index.ts': 'export function greet(name: string): string {\n  return `hello ${name}`;\n}\n',
      'src/util/strings.ts': 'export const shout = (s: string) => s.toUpperCase();\n',
      'assets/logo.png': PNG,
    },
    issues: [
      { title: 'Crash on empty name', body: 'greet("") throws', labels: ['bug'] },
      { title: 'Add a farewell', body: 'A goodbye function', labels: ['enhancement'] },
      { title: 'Typo in README', labels: ['bug', 'docs'] },
      { title: 'Old question', state: 'closed', labels: ['question'] },
      { title: 'Support emoji names', labels: ['enhancement'] },
    ],
  });
  fake.addRepo({
    owner: 'octo',
    name: 'tools',
    description: 'Command line tools',
    language: 'Go',
    stars: 7,
    files: { 'main.go': 'package main\n' },
  });
  fake.addRepo({ owner: 'octo', name: 'secret', private: true, files: { 'plan.md': 'top secret\n' } });
}

export type ServerOptions = Partial<Omit<GitHubServerDeps, 'logger'>> &
  Pick<Partial<GitHubServerDeps>, 'logger'>;

/** The real server against the fake, linked to an SDK client in memory. */
export async function connect(fake: FakeGitHub, options: ServerOptions = {}): Promise<Connected> {
  return connectInMemory(
    createServer({
      token: 'test-token',
      apiUrl: fake.url,
      rateLimitWaitMs: 30_000,
      logger: silentLogger,
      ...options,
    }),
  );
}

/** A clock and a sleep that only advance the clock: rate-limit waits take no real time. */
export function fakeTime(start = Date.parse('2025-06-01T12:00:00Z')) {
  const state = { now: start, sleeps: [] as number[] };
  return {
    state,
    now: () => state.now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      state.sleeps.push(ms);
      state.now += ms;
    },
  };
}
