import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FILE_TEMPLATE } from '../../../../mcp-servers/github/file-resources.js';
import { FakeGitHub } from '../../../support/fake-github.js';
import { type Connected, connect, dataOf, PNG, README, seed, textOf } from './github-harness.js';

interface Page {
  page: number;
  per_page: number;
  has_next_page: boolean;
  next_page: number | null;
  last_page: number | null;
}
interface IssuePage extends Page {
  issues: Array<{ number: number; labels: string[]; is_pull_request: boolean }>;
}

const TOOLS = [
  'search_repositories',
  'search_code',
  'search_issues',
  'get_file_contents',
  'list_issues',
  'create_issue',
  'add_issue_comment',
  'list_pull_requests',
  'create_pull_request',
  'create_branch',
  'push_files',
];

function expectToolError(result: CallToolResult, ...patterns: RegExp[]): void {
  expect(result.isError, textOf(result)).toBe(true);
  for (const pattern of patterns) expect(textOf(result)).toMatch(pattern);
}

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await FakeGitHub.start();
});
afterAll(async () => fake.close());

describe('github server: reading', () => {
  let server: Connected;
  beforeEach(async () => {
    fake.reset();
    seed(fake);
    server = await connect(fake);
  });
  afterEach(async () => server.close());

  it('lists every tool with honest annotations: all reach GitHub, reads are read-only', async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    const hints = new Map(tools.map((t) => [t.name, t.annotations]));
    for (const tool of tools) {
      expect(tool.annotations?.openWorldHint, tool.name).toBe(true);
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.description!.length, tool.name).toBeGreaterThan(80);
    }
    for (const read of [
      'search_repositories',
      'search_code',
      'search_issues',
      'get_file_contents',
      'list_issues',
      'list_pull_requests',
    ])
      expect(hints.get(read), read).toMatchObject({ readOnlyHint: true });
    expect(hints.get('push_files')).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
    });
    for (const write of ['create_issue', 'add_issue_comment', 'create_pull_request', 'create_branch'])
      expect(hints.get(write), write).toMatchObject({
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
      });
  });

  it('sends the token as octokit does (authorization: token …) with its own user agent', async () => {
    dataOf(await server.call('get_file_contents', { owner: 'octo', repo: 'hello', path: 'README.md' }));
    const [request] = fake.requests;
    expect(request?.headers.authorization).toBe('token test-token');
    expect(request?.headers['user-agent']).toMatch(/^switchyard-github\/0\.1\.0 /);
    expect(request?.path).toBe('/repos/octo/hello/contents/README.md');
  });

  it('sends no authorization without a token, and says a token is needed when GitHub asks for one', async () => {
    const anonymous = await connect(fake, { token: undefined });
    try {
      dataOf(await anonymous.call('get_file_contents', { owner: 'octo', repo: 'hello', path: 'README.md' }));
      expect(fake.requests.at(-1)?.headers.authorization).toBeUndefined();
      expectToolError(
        await anonymous.call('search_code', { query: 'greet' }),
        /GitHub answered 401 Requires authentication to GET \/search\/code/,
        /Must be authenticated/,
        /set GITHUB_TOKEN/,
      );
      // A private repository is a 404 to those who cannot see it; the hint says so.
      expectToolError(
        await anonymous.call('get_file_contents', { owner: 'octo', repo: 'secret', path: 'plan.md' }),
        /404 Not Found to GET \/repos\/octo\/secret\/contents\/plan\.md/,
        /private repository also answers 404/,
      );
    } finally {
      await anonymous.close();
    }
  });

  it("decodes a text file from GitHub's wrapped base64, keeps a binary file as base64", async () => {
    const text = dataOf<{ content: string; encoding: string; binary: boolean; size: number; sha: string }>(
      await server.call('get_file_contents', { owner: 'octo', repo: 'hello', path: 'README.md' }),
    );
    expect(text).toMatchObject({ type: 'file', encoding: 'utf-8', binary: false, content: README });
    expect(text.size).toBe(Buffer.byteLength(README));
    expect(text.sha).toMatch(/^[0-9a-f]{40}$/);
    const binary = dataOf<{ content: string; encoding: string; binary: boolean }>(
      await server.call('get_file_contents', { owner: 'octo', repo: 'hello', path: 'assets/logo.png' }),
    );
    expect(binary).toMatchObject({ encoding: 'base64', binary: true });
    expect(Buffer.from(binary.content, 'base64').equals(PNG)).toBe(true);
  });

  it('lists a directory, the root included, and reads at a ref', async () => {
    const root = dataOf<{ type: string; entries: Array<{ name: string; type: string }> }>(
      await server.call('get_file_contents', { owner: 'octo', repo: 'hello' }),
    );
    expect(root.type).toBe('dir');
    expect(root.entries.map((e) => `${e.type}:${e.name}`)).toEqual([
      'file:README.md',
      'dir:assets',
      'dir:src',
    ]);
    const src = dataOf<{ entries: Array<{ path: string }> }>(
      await server.call('get_file_contents', { owner: 'octo', repo: 'hello', path: 'src' }),
    );
    expect(src.entries.map((e) => e.path)).toEqual(['src/index.ts', 'src/util']);
    const head = fake.repo('octo', 'hello').git.refs.get('refs/heads/main')!;
    fake.push('octo', 'hello', 'main', { 'README.md': 'changed\n' });
    const old = dataOf<{ content: string }>(
      await server.call('get_file_contents', { owner: 'octo', repo: 'hello', path: 'README.md', ref: head }),
    );
    expect(old.content).toBe(README);
    expect(fake.requests.at(-1)?.query).toEqual({ ref: head });
  });

  it('pages through issues with the link header: has_next_page, then the second page', async () => {
    const first = dataOf<IssuePage>(
      await server.call('list_issues', { owner: 'octo', repo: 'hello', perPage: 2 }),
    );
    // Four open issues, newest first.
    expect(first.issues.map((i) => i.number)).toEqual([5, 3]);
    expect(first).toMatchObject({ page: 1, per_page: 2, has_next_page: true, next_page: 2, last_page: 2 });
    expect(fake.requests.at(-1)?.query).toMatchObject({ per_page: '2', page: '1', state: 'open' });
    const second = dataOf<IssuePage>(
      await server.call('list_issues', { owner: 'octo', repo: 'hello', perPage: 2, page: 2 }),
    );
    expect(second.issues.map((i) => i.number)).toEqual([2, 1]);
    expect(second).toMatchObject({ page: 2, has_next_page: false, next_page: null, last_page: 2 });
  });

  it('filters issues by state and labels, as GitHub does', async () => {
    const bugs = dataOf<IssuePage>(
      await server.call('list_issues', { owner: 'octo', repo: 'hello', labels: ['bug'] }),
    );
    expect(fake.requests.at(-1)?.query).toMatchObject({ labels: 'bug' });
    expect(bugs.issues.map((i) => i.number)).toEqual([3, 1]);
    const closed = dataOf<IssuePage>(
      await server.call('list_issues', { owner: 'octo', repo: 'hello', state: 'closed', direction: 'asc' }),
    );
    expect(closed.issues.map((i) => i.number)).toEqual([4]);
    expectToolError(
      await server.call('list_issues', { owner: 'octo', repo: 'hello', since: 'yesterday' }),
      /since/,
    );
  });

  it('searches repositories, code and issues with trimmed results and paging', async () => {
    const repos = dataOf<{
      total_count: number;
      items: Array<{ full_name: string; stargazers_count: number }>;
    }>(await server.call('search_repositories', { query: 'user:octo', sort: 'stars', order: 'asc' }));
    // The private repository is visible with the token.
    expect(repos.items.map((r) => r.full_name)).toEqual(['octo/secret', 'octo/tools', 'octo/hello']);
    expect(fake.requests.at(-1)?.query).toMatchObject({ q: 'user:octo', sort: 'stars', order: 'asc' });
    const code = dataOf<Page & { total_count: number; items: Array<{ path: string; repository: string }> }>(
      await server.call('search_code', { query: 'export repo:octo/hello', perPage: 1 }),
    );
    expect(code).toMatchObject({ total_count: 2, has_next_page: true, next_page: 2 });
    expect(code.items).toEqual([expect.objectContaining({ path: 'src/index.ts', repository: 'octo/hello' })]);
    const issues = dataOf<{ items: Array<{ number: number; repository: string; body: string }> }>(
      await server.call('search_issues', { query: 'is:issue repo:octo/hello crash' }),
    );
    expect(issues.items).toEqual([
      expect.objectContaining({ number: 1, repository: 'octo/hello', body: 'greet("") throws' }),
    ]);
  });

  it('turns refused searches into isError results that say how to fix the query', async () => {
    expectToolError(
      await server.call('search_issues', { query: 'repo:octo/hello crash' }),
      /is:issue/,
      /Add is:issue or is:pr/,
    );
    expectToolError(
      await server.call('search_repositories', { query: 'x repo:nobody/nothing' }),
      /422 Validation Failed.*cannot be searched/,
      /Fix the query/,
    );
    expectToolError(await server.call('search_code', { query: '   ' }), /query is empty/);
  });

  it('serves files through the resource template, and refuses a missing one with the hint', async () => {
    const { resourceTemplates } = await server.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual([FILE_TEMPLATE]);
    const file = await server.client.readResource({
      uri: 'github://repos/octo/hello/contents/src/util/strings.ts',
    });
    expect(file.contents[0]).toMatchObject({
      mimeType: 'text/plain',
      text: expect.stringContaining('shout'),
    });
    const dir = await server.client.readResource({ uri: 'github://repos/octo/hello/contents/src' });
    expect(JSON.parse((dir.contents[0] as { text: string }).text).entries).toHaveLength(2);
    const png = await server.client.readResource({
      uri: 'github://repos/octo/hello/contents/assets/logo.png',
    });
    expect(Buffer.from((png.contents[0] as { blob: string }).blob, 'base64').equals(PNG)).toBe(true);
    await expect(
      server.client.readResource({ uri: 'github://repos/octo/hello/contents/nope.md' }),
    ).rejects.toThrow(/404 Not Found.*spelling/);
  });

  it('offers a triage prompt that names the repository and the tools to call', async () => {
    const prompt = await server.client.getPrompt({
      name: 'triage_issues',
      arguments: { owner: 'octo', repo: 'hello', label: 'bug' },
    });
    const content = prompt.messages[0]!.content;
    expect(content.type === 'text' && content.text).toMatch(
      /octo\/hello[\s\S]*list_issues[\s\S]*"labels": \["bug"\][\s\S]*search_issues/,
    );
  });
});
