import { describe, expect, it } from 'vitest';
import { decodeText } from '../../../../mcp-servers/github/contents.js';
import {
  GitHubApiError,
  GitHubUnreachableError,
  translateOctokitError,
} from '../../../../mcp-servers/github/github-errors.js';

const API = 'https://api.github.com';

/** The shape of octokit's RequestError (name HttpError, status, request, response). */
function httpError(status: number, data: unknown, url = `${API}/repos/o/r/contents/a%2Fb.ts?ref=main`) {
  return Object.assign(new Error('from octokit'), {
    name: 'HttpError',
    status,
    request: { method: 'GET', url, headers: {} },
    response: { status, url, headers: {}, data },
  });
}

describe('translateOctokitError', () => {
  it('names the status, GitHub message and the request path (decoded, without the query)', () => {
    const error = translateOctokitError(
      httpError(404, { message: 'Not Found', documentation_url: 'x' }),
      API,
    );
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as GitHubApiError).message).toBe(
      'GitHub answered 404 Not Found to GET /repos/o/r/contents/a/b.ts',
    );
    expect((error as GitHubApiError).code).toBe('not_found');
  });

  it("lists a 422's errors: messages as given, field errors as resource.field code", () => {
    const error = translateOctokitError(
      httpError(422, {
        message: 'Validation Failed',
        errors: [
          { resource: 'Issue', field: 'title', code: 'missing_field' },
          { resource: 'PullRequest', code: 'custom', message: 'No commits between main and x' },
          'a bare string',
        ],
      }),
      API,
    ) as GitHubApiError;
    expect(error.message).toMatch(
      /422 Validation Failed to GET .*: Issue\.title is missing_field; No commits between main and x; a bare string$/,
    );
    expect(error.errors).toHaveLength(3);
  });

  it('reports a request without a response as the API being unreachable, with the errno', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const failed = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      name: 'HttpError',
      status: 500,
      request: { method: 'POST', url: `${API}/repos/o/r/issues` },
      cause: new TypeError('fetch failed', { cause: socket }),
    });
    const error = translateOctokitError(failed, API);
    expect(error).toBeInstanceOf(GitHubUnreachableError);
    expect((error as Error).message).toBe(
      'Could not reach the GitHub API at https://api.github.com for POST /repos/o/r/issues (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9)',
    );
  });

  it('leaves other errors (an abort) unchanged', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(translateOctokitError(abort, API)).toBe(abort);
  });
});

describe('decodeText', () => {
  it('decodes UTF-8 and refuses invalid UTF-8 or NUL bytes', () => {
    expect(decodeText(Buffer.from('héllo ✓'))).toBe('héllo ✓');
    expect(decodeText(Buffer.from([0xff, 0xfe, 0x41]))).toBeUndefined();
    expect(decodeText(Buffer.from('a\0b'))).toBeUndefined();
  });
});
