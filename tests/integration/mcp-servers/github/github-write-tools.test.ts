import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../../support/fake-github.js';
import { type Connected, connect, dataOf, PNG, README, seed, textOf } from './github-harness.js';

interface PushReport {
  branch: string;
  commit_sha: string;
  tree_sha: string;
  parent_sha: string;
  files: string[];
}

function expectToolError(result: CallToolResult, ...patterns: RegExp[]): void {
  expect(result.isError, textOf(result)).toBe(true);
  for (const pattern of patterns) expect(textOf(result)).toMatch(pattern);
}

const HELLO = { owner: 'octo', repo: 'hello' };

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await FakeGitHub.start();
});
afterAll(async () => fake.close());

describe('github server: writing', () => {
  let server: Connected;
  beforeEach(async () => {
    fake.reset();
    seed(fake);
    server = await connect(fake);
  });
  afterEach(async () => server.close());

  it('push_files makes exactly one commit with every file and moves the branch (no force)', async () => {
    const before = fake.log('octo', 'hello', 'main');
    const report = dataOf<PushReport>(
      await server.call('push_files', {
        ...HELLO,
        branch: 'main',
        message: 'Add docs and change the greeting',
        files: [
          { path: 'docs/guide.md', content: '# Guide\n' },
          { path: 'src/index.ts', content: 'export const greet = () => "hi";\n' },
          { path: 'assets/new.png', content: PNG.toString('base64'), encoding: 'base64' },
        ],
      }),
    );
    const after = fake.log('octo', 'hello', 'main');
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]).toEqual({
      sha: report.commit_sha,
      message: 'Add docs and change the greeting',
      parents: [before[0]!.sha],
    });
    expect(report.parent_sha).toBe(before[0]!.sha);
    expect(fake.readFile('octo', 'hello', 'main', 'docs/guide.md')).toBe('# Guide\n');
    expect(fake.readFile('octo', 'hello', 'main', 'src/index.ts')).toBe('export const greet = () => "hi";\n');
    // Files not pushed are kept (base_tree): the commit adds to the tree, it does not replace it.
    expect(fake.readFile('octo', 'hello', 'main', 'README.md')).toBe(README);
    expect(fake.readFile('octo', 'hello', 'main', 'src/util/strings.ts')).toContain('shout');
    const png = dataOf<{ content: string; binary: boolean }>(
      await server.call('get_file_contents', { ...HELLO, path: 'assets/new.png' }),
    );
    expect(Buffer.from(png.content, 'base64').equals(PNG)).toBe(true);
    const guide = dataOf<{ content: string }>(
      await server.call('get_file_contents', { ...HELLO, path: 'docs/guide.md', ref: 'main' }),
    );
    expect(guide.content).toBe('# Guide\n');

    // The git data API sequence, as GitHub documents it.
    const writes = fake.requests
      .filter((r) => r.path.includes('/git/'))
      .map((r) => `${r.method} ${r.path.replace('/repos/octo/hello', '')}`);
    expect(writes).toEqual([
      'GET /git/ref/heads%2Fmain',
      `GET /git/commits/${before[0]!.sha}`,
      'POST /git/blobs',
      'POST /git/blobs',
      'POST /git/blobs',
      'POST /git/trees',
      'POST /git/commits',
      'PATCH /git/refs/heads%2Fmain',
    ]);
    const tree = fake.requests.find((r) => r.path.endsWith('/git/trees'))!.body as {
      base_tree: string;
      tree: unknown[];
    };
    expect(tree.base_tree).toBe(fake.repo('octo', 'hello').git.get(before[0]!.sha, 'commit')!.tree);
    expect(tree.tree).toHaveLength(3);
    expect(fake.requests.find((r) => r.method === 'PATCH')!.body).toEqual({
      sha: report.commit_sha,
      force: false,
    });
  });

  it('create_branch, push_files, create_pull_request: the pull request has the pushed commit', async () => {
    const main = fake.repo('octo', 'hello').git.refs.get('refs/heads/main');
    const branch = dataOf<{ sha: string; from_branch: string; ref: string }>(
      await server.call('create_branch', { ...HELLO, branch: 'feature/farewell' }),
    );
    // No from_branch: the repository's default branch, read from GET /repos/octo/hello.
    expect(branch).toEqual({
      branch: 'feature/farewell',
      ref: 'refs/heads/feature/farewell',
      sha: main,
      from_branch: 'main',
    });
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/repos/octo/hello')).toBe(true);
    const pushed = dataOf<PushReport>(
      await server.call('push_files', {
        ...HELLO,
        branch: 'feature/farewell',
        message: 'Add farewell',
        files: [{ path: 'src/farewell.ts', content: 'export const bye = () => "bye";\n' }],
      }),
    );
    expect(fake.repo('octo', 'hello').git.refs.get('refs/heads/main')).toBe(main);
    const pull = dataOf<{
      number: number;
      head: string;
      base: string;
      head_sha: string;
      draft: boolean;
      html_url: string;
    }>(
      await server.call('create_pull_request', {
        ...HELLO,
        title: 'Add farewell',
        head: 'feature/farewell',
        base: 'main',
        body: 'Closes #2',
        draft: true,
      }),
    );
    expect(pull).toMatchObject({
      number: 6,
      head: 'feature/farewell',
      base: 'main',
      head_sha: pushed.commit_sha,
      draft: true,
    });
    expect(pull.html_url).toBe('https://github.com/octo/hello/pull/6');
    const listed = dataOf<{ pull_requests: Array<{ number: number }> }>(
      await server.call('list_pull_requests', { ...HELLO, head: 'feature/farewell', base: 'main' }),
    );
    expect(listed.pull_requests.map((p) => p.number)).toEqual([6]);
    // A bare branch name is sent in GitHub's "owner:branch" form, which GitHub requires to filter.
    expect(fake.requests.at(-1)?.query).toMatchObject({ head: 'octo:feature/farewell', base: 'main' });
    expectToolError(
      await server.call('create_pull_request', {
        ...HELLO,
        title: 'Again',
        head: 'feature/farewell',
        base: 'main',
      }),
      /422 Validation Failed.*A pull request already exists for octo:feature\/farewell/,
      /list_pull_requests/,
    );
  });

  it('refuses a pull request without commits, and one from a branch that does not exist', async () => {
    dataOf(await server.call('create_branch', { ...HELLO, branch: 'empty', from_branch: 'main' }));
    expectToolError(
      await server.call('create_pull_request', { ...HELLO, title: 'Nothing', head: 'empty', base: 'main' }),
      /No commits between main and empty/,
      /push_files to the head branch first/,
    );
    expectToolError(
      await server.call('create_pull_request', { ...HELLO, title: 'Ghost', head: 'ghost', base: 'main' }),
      /PullRequest\.head is invalid/,
      /create_branch/,
    );
  });

  it('says a branch exists, or that from_branch does not, with the call that fixes it', async () => {
    dataOf(await server.call('create_branch', { ...HELLO, branch: 'dup' }));
    expectToolError(
      await server.call('create_branch', { ...HELLO, branch: 'dup' }),
      /422 Reference already exists/,
      /push_files to it, or choose another name/,
    );
    expectToolError(
      await server.call('create_branch', { ...HELLO, branch: 'x', from_branch: 'develop' }),
      /404 Not Found to GET \/repos\/octo\/hello\/git\/ref\/heads\/develop/,
      /Branch 'develop' does not exist/,
    );
    expectToolError(
      await server.call('create_branch', { ...HELLO, branch: 'has space' }),
      /not a valid branch name/,
    );
  });

  it('push_files to a missing branch says to create it first, and writes nothing', async () => {
    expectToolError(
      await server.call('push_files', {
        ...HELLO,
        branch: 'nope',
        message: 'm',
        files: [{ path: 'a.txt', content: 'a' }],
      }),
      /404 Not Found to GET \/repos\/octo\/hello\/git\/ref\/heads\/nope/,
      /create_branch first/,
    );
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expectToolError(
      await server.call('push_files', {
        ...HELLO,
        branch: 'main',
        message: 'm',
        files: [
          { path: 'a.txt', content: 'a' },
          { path: 'a.txt', content: 'b' },
        ],
      }),
      /each path may appear once/,
    );
    expectToolError(
      await server.call('push_files', {
        ...HELLO,
        branch: 'main',
        message: 'm',
        files: [{ path: '../etc/passwd', content: 'x' }],
      }),
      /relative to the repository root/,
    );
  });

  it('push_files fails clearly when the branch moves during the commit, and succeeds when called again', async () => {
    let moved = '';
    const stop = fake.onRequest((request) => {
      // Another client pushes between our commit and our ref update.
      if (request.method === 'POST' && request.path.endsWith('/git/commits') && moved === '')
        moved = fake.push('octo', 'hello', 'main', { 'CHANGELOG.md': 'someone else\n' });
    });
    const files = [{ path: 'docs/guide.md', content: '# Guide\n' }];
    expectToolError(
      await server.call('push_files', { ...HELLO, branch: 'main', message: 'Add guide', files }),
      /branch 'main' moved while the commit was being made/,
      /Update is not a fast forward/,
      /Call push_files again/,
    );
    stop();
    // Nothing of ours landed; the other push is intact.
    expect(fake.repo('octo', 'hello').git.refs.get('refs/heads/main')).toBe(moved);
    expect(fake.readFile('octo', 'hello', 'main', 'docs/guide.md')).toBeUndefined();
    const report = dataOf<PushReport>(
      await server.call('push_files', { ...HELLO, branch: 'main', message: 'Add guide', files }),
    );
    expect(report.parent_sha).toBe(moved);
    expect(fake.readFile('octo', 'hello', 'main', 'CHANGELOG.md')).toBe('someone else\n');
    expect(fake.readFile('octo', 'hello', 'main', 'docs/guide.md')).toBe('# Guide\n');
  });

  it('reports push_files progress step by step when the client asks', async () => {
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const result = await server.client.callTool(
      {
        name: 'push_files',
        arguments: {
          ...HELLO,
          branch: 'main',
          message: 'm',
          files: [
            { path: 'a.txt', content: 'a' },
            { path: 'b.txt', content: 'b' },
          ],
        },
      },
      { onprogress: (p) => progress.push(p) },
    );
    dataOf(result as CallToolResult);
    expect(progress.map((p) => p.progress)).toEqual([2, 3, 4, 5, 6]);
    expect(progress.every((p) => p.total === 6)).toBe(true);
    expect(progress.at(-1)?.message).toMatch(/moved main to [0-9a-f]{7}/);
  });

  it('creates an issue and comments on it, sending what GitHub expects', async () => {
    const issue = dataOf<{
      number: number;
      title: string;
      labels: string[];
      assignees: string[];
      user: string;
    }>(
      await server.call('create_issue', {
        ...HELLO,
        title: 'Farewell is missing',
        body: 'We greet but never say goodbye.',
        labels: ['enhancement'],
        assignees: ['hubot'],
      }),
    );
    expect(issue).toMatchObject({
      number: 6,
      title: 'Farewell is missing',
      labels: ['enhancement'],
      assignees: ['hubot'],
      user: 'octocat',
    });
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/repos/octo/hello/issues',
      body: {
        title: 'Farewell is missing',
        body: 'We greet but never say goodbye.',
        labels: ['enhancement'],
        assignees: ['hubot'],
      },
    });
    const comment = dataOf<{ id: number; issue_number: number; html_url: string }>(
      await server.call('add_issue_comment', { ...HELLO, issue_number: 6, body: 'Working on it.' }),
    );
    expect(comment.issue_number).toBe(6);
    expect(comment.html_url).toBe(`https://github.com/octo/hello/issues/6#issuecomment-${comment.id}`);
    expect(fake.repo('octo', 'hello').comments.map((c) => c.body)).toEqual(['Working on it.']);
  });

  it('explains refused issue writes: an unknown assignee (422 errors array), a missing issue (404)', async () => {
    expectToolError(
      await server.call('create_issue', { ...HELLO, title: 'x', assignees: ['ghost'] }),
      /422 Validation Failed to POST \/repos\/octo\/hello\/issues: Issue\.assignees is invalid \("ghost"\)/,
      /Leave out the assignees/,
    );
    expectToolError(
      await server.call('add_issue_comment', { ...HELLO, issue_number: 99, body: 'hi' }),
      /404 Not Found to POST \/repos\/octo\/hello\/issues\/99\/comments/,
      /has an issue or pull request #99/,
    );
    expect(fake.repo('octo', 'hello').issues).toHaveLength(5);
  });
});
