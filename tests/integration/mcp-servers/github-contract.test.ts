import { afterAll, expect } from 'vitest';
import { FILE_TEMPLATE } from '../../../mcp-servers/github/file-resources.js';
import { FakeGitHub } from '../../support/fake-github.js';
import { runMcpContract } from '../../support/mcp-contract.js';
import { seed } from './github/github-harness.js';

interface Data {
  [key: string]: unknown;
}
const data = (r: { structuredContent?: unknown }) => r.structuredContent as Data;

// Started before runMcpContract's processes: top-level await runs before any hook of this file.
const fake = await FakeGitHub.start();
afterAll(async () => fake.close());

const HELLO = { owner: 'octo', repo: 'hello' };

// The github server through `switchyard server github`, against a local HTTP server speaking
// GitHub's REST shapes (GitHub itself is never reached). Each transport's process gets a freshly
// seeded fake, since the tools below create branches and pull requests.
runMcpContract('github', {
  env: () => {
    fake.reset();
    seed(fake);
    return { GITHUB_API_URL: fake.url, GITHUB_TOKEN: 'test-token' };
  },
  tools: {
    search_repositories: {
      valid: [
        {
          arguments: { query: 'hello' },
          check: (r) =>
            expect(data(r)).toMatchObject({ total_count: 1, items: [{ full_name: 'octo/hello' }] }),
        },
      ],
      invalid: [
        { arguments: { query: 'x repo:nobody/nothing' }, error: /cannot be searched.*Fix the query/ },
        { arguments: { query: 'hello', perPage: 101 }, error: /perPage/ },
      ],
    },
    search_code: {
      valid: [
        {
          arguments: { query: 'greet repo:octo/hello' },
          check: (r) => expect(JSON.stringify(data(r)['items'])).toContain('src/index.ts'),
        },
      ],
      invalid: [{ arguments: { query: 'greet repo:ghost/none' }, error: /cannot be searched/ }],
    },
    search_issues: {
      valid: [
        {
          arguments: { query: 'is:issue repo:octo/hello crash' },
          check: (r) => expect(data(r)).toMatchObject({ total_count: 1, items: [{ number: 1 }] }),
        },
      ],
      invalid: [{ arguments: { query: 'repo:octo/hello crash' }, error: /is:issue/ }],
    },
    get_file_contents: {
      valid: [
        {
          arguments: { ...HELLO, path: 'src/index.ts' },
          check: (r) =>
            expect(data(r)).toMatchObject({
              type: 'file',
              encoding: 'utf-8',
              content: expect.stringContaining('greet'),
            }),
        },
        { arguments: HELLO, check: (r) => expect(data(r)).toMatchObject({ type: 'dir' }) },
      ],
      invalid: [
        { arguments: { ...HELLO, path: 'missing.txt' }, error: /404 Not Found.*spelling/ },
        { arguments: { ...HELLO, path: '../x' }, error: /relative to the repository root/ },
      ],
    },
    list_issues: {
      valid: [
        {
          arguments: { ...HELLO, perPage: 2 },
          check: (r) => expect(data(r)).toMatchObject({ has_next_page: true, next_page: 2 }),
        },
      ],
      invalid: [
        { arguments: { ...HELLO, state: 'bogus' }, error: /state/ },
        {
          arguments: { owner: 'octo', repo: 'nope' },
          error: /404 Not Found to GET \/repos\/octo\/nope\/issues/,
        },
      ],
    },
    create_issue: {
      valid: [
        {
          arguments: { ...HELLO, title: 'From the contract test', labels: ['bug'] },
          check: (r) => expect(data(r)).toMatchObject({ number: 6, labels: ['bug'] }),
        },
      ],
      invalid: [
        { arguments: { ...HELLO, title: 'x', assignees: ['ghost'] }, error: /assignees is invalid/ },
        { arguments: { ...HELLO, title: '' }, error: /title/ },
      ],
    },
    add_issue_comment: {
      valid: [
        {
          arguments: { ...HELLO, issue_number: 6, body: 'A comment' },
          check: (r) => expect(data(r)).toMatchObject({ issue_number: 6 }),
        },
      ],
      invalid: [{ arguments: { ...HELLO, issue_number: 999, body: 'x' }, error: /404.*#999/ }],
    },
    create_branch: {
      valid: [
        {
          arguments: { ...HELLO, branch: 'contract' },
          check: (r) => expect(data(r)).toMatchObject({ ref: 'refs/heads/contract', from_branch: 'main' }),
        },
      ],
      invalid: [
        { arguments: { ...HELLO, branch: 'contract' }, error: /Reference already exists.*push_files/ },
        { arguments: { ...HELLO, branch: 'has space' }, error: /not a valid branch name/ },
      ],
    },
    push_files: {
      valid: [
        {
          arguments: {
            ...HELLO,
            branch: 'contract',
            message: 'Add notes',
            files: [{ path: 'notes/a.md', content: '# A\n' }],
          },
          check: (r) => expect(data(r)).toMatchObject({ branch: 'contract', files: ['notes/a.md'] }),
        },
      ],
      invalid: [
        {
          arguments: {
            ...HELLO,
            branch: 'no-such-branch',
            message: 'm',
            files: [{ path: 'a', content: 'a' }],
          },
          error: /create_branch first/,
        },
        { arguments: { ...HELLO, branch: 'contract', message: 'm', files: [] }, error: /files/ },
      ],
    },
    create_pull_request: {
      valid: [
        {
          arguments: { ...HELLO, title: 'Add notes', head: 'contract', base: 'main' },
          check: (r) => expect(data(r)).toMatchObject({ number: 7, head: 'contract', base: 'main' }),
        },
      ],
      invalid: [
        {
          arguments: { ...HELLO, title: 'Again', head: 'contract', base: 'main' },
          error: /already exists.*list_pull_requests/,
        },
        {
          arguments: { ...HELLO, title: 'Ghost', head: 'ghost', base: 'main' },
          error: /head is invalid.*create_branch/,
        },
      ],
    },
    list_pull_requests: {
      valid: [
        {
          arguments: { ...HELLO, head: 'contract' },
          check: (r) =>
            expect(data(r)).toMatchObject({
              pull_requests: [{ number: 7, head: 'contract' }],
              has_next_page: false,
            }),
        },
      ],
      invalid: [{ arguments: { ...HELLO, state: 'merged' }, error: /state/ }],
    },
  },
  resourceTemplates: [FILE_TEMPLATE],
  resources: [
    {
      uri: 'github://repos/octo/hello/contents/src/index.ts',
      check: (r) => expect(JSON.stringify(r.contents)).toContain('greet'),
    },
  ],
  prompts: [{ name: 'triage_issues', arguments: { owner: 'octo', repo: 'hello' } }],
});
