import { FILE_MODES, type FlatTree } from './fake-github-git.js';
import * as json from './fake-github-json.js';
import { addIssue, type FakeRepo, newId, signature, timestamp } from './fake-github-state.js';

/** The REST endpoints the github server uses, answering as api.github.com does. */

/** An answer other than 2xx, with GitHub's error body `{message, documentation_url, errors?, status}`. */
export class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown[],
    readonly docs = 'https://docs.github.com/rest',
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      documentation_url: this.docs,
      status: String(this.status),
    };
  }
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  api: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** The login of a valid token, undefined for an anonymous request. */
  user: string | undefined;
  /** The repository named in the path, 404 when it does not exist or is private to this caller. */
  repo(owner: string, name: string): FakeRepo;
  allRepos(): FakeRepo[];
}

export type Handler = (ctx: RouteContext, ...params: string[]) => Reply;

const ok = (body: unknown, status = 200): Reply => ({ status, body });
const notFound = (docs?: string) => new FakeHttpError(404, 'Not Found', undefined, docs);
const invalid = (resource: string, field: string, code: string, value?: unknown) =>
  new FakeHttpError(422, 'Validation Failed', [
    { resource, field, code, ...(value === undefined ? {} : { value }) },
  ]);

function requireUser(ctx: RouteContext): string {
  if (!ctx.user) throw new FakeHttpError(401, 'Requires authentication');
  return ctx.user;
}

function text(ctx: RouteContext, key: string): string | undefined {
  const value = ctx.body[key];
  return typeof value === 'string' ? value : undefined;
}

/** One page of `items`, with GitHub's `link` header (next, last, first, prev) when there is more. */
export function paginate<T>(ctx: RouteContext, items: T[]): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string) => {
    const query = new URLSearchParams(ctx.query);
    query.set('page', String(p));
    return `<${ctx.api}${ctx.path}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(Math.min(page - 1, last), 'prev'));
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}

function branchSha(repo: FakeRepo, branch: string): string | undefined {
  return repo.git.refs.get(`refs/heads/${branch}`);
}

function requireNotEmpty(repo: FakeRepo): void {
  if (repo.git.refs.size === 0) throw new FakeHttpError(409, 'Git Repository is empty.');
}

// ---- repositories and contents

export const getRepo: Handler = (ctx, owner, name) => ok(json.repoJson(ctx.api, ctx.repo(owner!, name!)));

export const getContents: Handler = (ctx, owner, name, rawPath = '') => {
  const repo = ctx.repo(owner!, name!);
  const path = rawPath.replace(/^\/+|\/+$/g, '');
  if (repo.git.refs.size === 0) throw new FakeHttpError(404, 'This repository is empty.');
  const ref = ctx.query.get('ref') ?? repo.defaultBranch;
  const commit = repo.git.resolve(ref);
  if (!commit) throw new FakeHttpError(404, `No commit found for the ref ${ref}`);
  const entry = repo.git.lookup(commit, path);
  if (!entry) throw notFound('https://docs.github.com/rest/repos/contents#get-repository-content');
  if (entry.type !== 'tree') return ok(json.contentJson(ctx.api, repo, ref, path, entry, true));
  const entries = repo.git.get(entry.sha, 'tree')!.entries;
  return ok(
    entries.map((e) => json.contentJson(ctx.api, repo, ref, path ? `${path}/${e.name}` : e.name, e, false)),
  );
};

// ---- issues and comments

export const listIssues: Handler = (ctx, owner, name) => {
  const repo = ctx.repo(owner!, name!);
  const state = ctx.query.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(state)) throw invalid('Issue', 'state', 'invalid');
  const labels = (ctx.query.get('labels') ?? '').split(',').filter(Boolean);
  const since = ctx.query.get('since');
  const sort = ctx.query.get('sort') ?? 'created';
  const key = (i: (typeof repo.issues)[number]) =>
    sort === 'comments' ? i.comments : sort === 'updated' ? i.updatedAt : i.createdAt;
  const sign = (ctx.query.get('direction') ?? 'desc') === 'asc' ? 1 : -1;
  const matching = repo.issues
    .filter((i) => state === 'all' || i.state === state)
    .filter((i) => labels.every((l) => i.labels.includes(l)))
    .filter((i) => !since || i.updatedAt >= since)
    .sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : b.number - a.number));
  const page = paginate(ctx, matching);
  return {
    status: 200,
    body: page.items.map((i) => json.issueJson(ctx.api, repo, i)),
    headers: page.headers,
  };
};

export const createIssue: Handler = (ctx, owner, name) => {
  const user = requireUser(ctx);
  const repo = ctx.repo(owner!, name!);
  const title = text(ctx, 'title');
  if (!title) throw invalid('Issue', 'title', 'missing_field');
  const assignees = Array.isArray(ctx.body['assignees']) ? (ctx.body['assignees'] as string[]) : [];
  const unknown = assignees.find((login) => !repo.collaborators.has(login));
  if (unknown !== undefined) throw invalid('Issue', 'assignees', 'invalid', unknown);
  const labels = Array.isArray(ctx.body['labels']) ? (ctx.body['labels'] as string[]) : [];
  const issue = addIssue(repo, { title, body: text(ctx, 'body') ?? null, labels, assignees, user });
  return ok(json.issueJson(ctx.api, repo, issue), 201);
};

export const createComment: Handler = (ctx, owner, name, number) => {
  const user = requireUser(ctx);
  const repo = ctx.repo(owner!, name!);
  const issue = repo.issues.find((i) => i.number === Number(number));
  if (!issue) throw notFound('https://docs.github.com/rest/issues/comments#create-an-issue-comment');
  const body = text(ctx, 'body');
  if (!body) throw invalid('IssueComment', 'body', 'missing_field');
  const comment = { id: newId(), issueNumber: issue.number, body, user, createdAt: timestamp() };
  repo.comments.push(comment);
  issue.comments++;
  return ok(json.commentJson(ctx.api, repo, comment), 201);
};

// ---- pull requests

export const listPulls: Handler = (ctx, owner, name) => {
  const repo = ctx.repo(owner!, name!);
  const state = ctx.query.get('state') ?? 'open';
  const head = ctx.query.get('head');
  const base = ctx.query.get('base');
  const sign = (ctx.query.get('direction') ?? 'desc') === 'asc' ? 1 : -1;
  const pulls = repo.issues
    .filter((i) => i.pull !== undefined)
    .filter((i) => state === 'all' || i.state === state)
    // GitHub filters by head only in the "user:ref-name" form.
    .filter((i) => !head?.includes(':') || head === `${repo.owner}:${i.pull!.head}`)
    .filter((i) => !base || i.pull!.base === base)
    .sort((a, b) => sign * (a.number - b.number));
  const page = paginate(ctx, pulls);
  return { status: 200, body: page.items.map((i) => json.pullJson(ctx.api, repo, i)), headers: page.headers };
};

export const createPull: Handler = (ctx, owner, name) => {
  const user = requireUser(ctx);
  const repo = ctx.repo(owner!, name!);
  const title = text(ctx, 'title');
  if (!title) throw invalid('PullRequest', 'title', 'missing_field');
  const base = text(ctx, 'base') ?? '';
  const head = (text(ctx, 'head') ?? '').replace(new RegExp(`^${repo.owner}:`, 'i'), '');
  const baseSha = branchSha(repo, base);
  const headSha = branchSha(repo, head);
  if (!baseSha) throw invalid('PullRequest', 'base', 'invalid');
  if (!headSha) throw invalid('PullRequest', 'head', 'invalid');
  const custom = (message: string) =>
    new FakeHttpError(422, 'Validation Failed', [{ resource: 'PullRequest', code: 'custom', message }]);
  if (repo.git.isAncestor(headSha, baseSha)) throw custom(`No commits between ${base} and ${head}`);
  if (repo.issues.some((i) => i.state === 'open' && i.pull?.head === head && i.pull.base === base))
    throw custom(`A pull request already exists for ${repo.owner}:${head}.`);
  const pull = { head, base, draft: ctx.body['draft'] === true };
  const issue = addIssue(repo, {
    title,
    body: text(ctx, 'body') ?? null,
    labels: [],
    assignees: [],
    user,
    pull,
  });
  return ok(json.pullJson(ctx.api, repo, issue), 201);
};

// ---- git data: refs, commits, blobs, trees

export const getRef: Handler = (ctx, owner, name, ref) => {
  const repo = ctx.repo(owner!, name!);
  requireNotEmpty(repo);
  const sha = repo.git.refs.get(`refs/${ref}`);
  if (!sha) throw notFound('https://docs.github.com/rest/git/refs#get-a-reference');
  return ok(json.refJson(ctx.api, repo, `refs/${ref}`, sha));
};

export const createRef: Handler = (ctx, owner, name) => {
  requireUser(ctx);
  const repo = ctx.repo(owner!, name!);
  const ref = text(ctx, 'ref') ?? '';
  const sha = text(ctx, 'sha') ?? '';
  if (!/^refs\/[^/]+\/.+/.test(ref))
    throw new FakeHttpError(422, "Reference name must start with 'refs/' and have at least two slashes.");
  if (!repo.git.get(sha, 'commit')) throw new FakeHttpError(422, 'Object does not exist');
  if (repo.git.refs.has(ref)) throw new FakeHttpError(422, 'Reference already exists');
  repo.git.refs.set(ref, sha);
  return ok(json.refJson(ctx.api, repo, ref, sha), 201);
};

export const updateRef: Handler = (ctx, owner, name, ref) => {
  requireUser(ctx);
  const repo = ctx.repo(owner!, name!);
  const full = `refs/${ref}`;
  const current = repo.git.refs.get(full);
  const sha = text(ctx, 'sha') ?? '';
  if (!current) throw new FakeHttpError(422, 'Reference does not exist');
  if (!repo.git.get(sha, 'commit')) throw new FakeHttpError(422, 'Object does not exist');
  if (ctx.body['force'] !== true && !repo.git.isAncestor(current, sha))
    throw new FakeHttpError(
      422,
      'Update is not a fast forward',
      undefined,
      'https://docs.github.com/rest/git/refs#update-a-reference',
    );
  repo.git.refs.set(full, sha);
  return ok(json.refJson(ctx.api, repo, full, sha));
};

export const getCommit: Handler = (ctx, owner, name, sha) => {
  const repo = ctx.repo(owner!, name!);
  if (!repo.git.get(sha!, 'commit'))
    throw notFound('https://docs.github.com/rest/git/commits#get-a-commit-object');
  return ok(json.commitJson(ctx.api, repo, sha!));
};

export const createCommit: Handler = (ctx, owner, name) => {
  const user = requireUser(ctx);
  const repo = ctx.repo(owner!, name!);
  const message = text(ctx, 'message');
  if (message === undefined) throw new FakeHttpError(422, 'Invalid request.\n\n"message" wasn\'t supplied.');
  const tree = text(ctx, 'tree') ?? '';
  if (!repo.git.get(tree, 'tree')) throw new FakeHttpError(422, 'Tree SHA does not exist');
  const parents = Array.isArray(ctx.body['parents']) ? (ctx.body['parents'] as string[]) : [];
  if (parents.some((p) => !repo.git.get(p, 'commit')))
    throw new FakeHttpError(422, 'Parent SHA does not exist or is not a commit object');
  const who = signature(user);
  const sha = repo.git.putCommit({ tree, parents, message, author: who, committer: who });
  return ok(json.commitJson(ctx.api, repo, sha), 201);
};

export const createBlob: Handler = (ctx, owner, name) => {
  requireUser(ctx);
  const repo = ctx.repo(owner!, name!);
  const content = text(ctx, 'content');
  if (content === undefined) throw new FakeHttpError(422, 'Invalid request.\n\n"content" wasn\'t supplied.');
  const encoding = text(ctx, 'encoding') ?? 'utf-8';
  if (encoding !== 'utf-8' && encoding !== 'base64')
    throw new FakeHttpError(422, `Invalid request.\n\n"${encoding}" is not a valid encoding.`);
  const sha = repo.git.putBlob(Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8'));
  return ok({ sha, url: `${ctx.api}/repos/${repo.owner}/${repo.name}/git/blobs/${sha}` }, 201);
};

export const createTree: Handler = (ctx, owner, name) => {
  requireUser(ctx);
  const repo = ctx.repo(owner!, name!);
  const baseTree = text(ctx, 'base_tree');
  if (baseTree !== undefined && !repo.git.get(baseTree, 'tree'))
    throw new FakeHttpError(422, 'base_tree is not a valid tree oid');
  const flat: FlatTree = baseTree ? repo.git.flatten(baseTree) : new Map();
  const entries = Array.isArray(ctx.body['tree']) ? (ctx.body['tree'] as Array<Record<string, unknown>>) : [];
  for (const entry of entries) {
    const path = String(entry['path'] ?? '');
    const mode = String(entry['mode'] ?? '');
    if (!path || !FILE_MODES.has(mode)) throw new FakeHttpError(422, `Invalid tree info for '${path}'`);
    if (entry['sha'] === null) {
      flat.delete(path);
      continue;
    }
    const sha =
      typeof entry['content'] === 'string'
        ? repo.git.putBlob(Buffer.from(entry['content']))
        : String(entry['sha']);
    if (!repo.git.objects.has(sha)) throw new FakeHttpError(422, 'GitRPC::BadObjectState');
    flat.set(path, { mode, type: 'blob', sha });
  }
  const sha = repo.git.buildTree(flat);
  const tree = repo.git.get(sha, 'tree')!;
  return ok(
    {
      sha,
      url: `${ctx.api}/repos/${repo.owner}/${repo.name}/git/trees/${sha}`,
      tree: tree.entries.map((e) => json.treeEntryJson(ctx.api, repo, e)),
      truncated: false,
    },
    201,
  );
};
