import * as json from './fake-github-json.js';
import { FakeHttpError, type Handler, paginate, type RouteContext } from './fake-github-routes.js';
import type { FakeRepo } from './fake-github-state.js';

/** GET /search/{repositories,code,issues}: words and the common qualifiers, GitHub's envelope. */

interface Query {
  words: string[];
  qualifiers: Array<{ key: string; value: string; negated: boolean }>;
}

function parseQuery(ctx: RouteContext): Query {
  const q = ctx.query.get('q')?.trim() ?? '';
  if (q === '')
    throw new FakeHttpError(422, 'Validation Failed', [{ resource: 'Search', field: 'q', code: 'missing' }]);
  const perPage = Math.min(100, Number(ctx.query.get('per_page') ?? 30) || 30);
  if ((Number(ctx.query.get('page') ?? 1) - 1) * perPage >= 1000)
    throw new FakeHttpError(422, 'Only the first 1000 search results are available');
  const query: Query = { words: [], qualifiers: [] };
  for (const token of q.match(/-?\w+:"[^"]*"|"[^"]*"|\S+/g) ?? []) {
    const qualifier = /^(-?)([a-z_]+):(.+)$/i.exec(token);
    if (qualifier) {
      const value = qualifier[3]!.replace(/^"|"$/g, '');
      query.qualifiers.push({ key: qualifier[2]!.toLowerCase(), value, negated: qualifier[1] === '-' });
    } else query.words.push(token.replace(/^"|"$/g, '').toLowerCase());
  }
  // As GitHub does: every repo:, user: and org: must name something the caller can see.
  const visible = ctx.allRepos();
  for (const { key, value } of query.qualifiers) {
    const exists =
      key === 'repo'
        ? visible.some((r) => `${r.owner}/${r.name}`.toLowerCase() === value.toLowerCase())
        : key === 'user' || key === 'org'
          ? visible.some((r) => r.owner.toLowerCase() === value.toLowerCase())
          : true;
    if (!exists)
      throw new FakeHttpError(422, 'Validation Failed', [
        {
          message:
            'The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.',
          resource: 'Search',
          field: 'q',
          code: 'invalid',
        },
      ]);
  }
  return query;
}

/** Whether the repository-scoping qualifiers (repo:, user:, org:) admit this repository. */
function inScope(query: Query, repo: FakeRepo): boolean {
  return query.qualifiers.every(({ key, value, negated }) => {
    const v = value.toLowerCase();
    if (key === 'repo') return negated !== (`${repo.owner}/${repo.name}`.toLowerCase() === v);
    if (key === 'user' || key === 'org') return negated !== (repo.owner.toLowerCase() === v);
    return true;
  });
}

function qualifier(query: Query, key: string): string[] {
  return query.qualifiers.filter((q) => q.key === key && !q.negated).map((q) => q.value.toLowerCase());
}

function compare(value: string, expression: string): boolean {
  const match = /^(>=|<=|>|<)?(.+)$/.exec(expression)!;
  const [a, b] = [Number(value), Number(match[2])];
  switch (match[1]) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      return a === b;
  }
}

function envelope<T>(ctx: RouteContext, items: T[]) {
  const page = paginate(ctx, items);
  return {
    status: 200,
    body: { total_count: items.length, incomplete_results: false, items: page.items },
    headers: page.headers,
  };
}

export const searchRepositories: Handler = (ctx) => {
  const query = parseQuery(ctx);
  const sort = ctx.query.get('sort');
  const sign = ctx.query.get('order') === 'asc' ? 1 : -1;
  const hits = ctx
    .allRepos()
    .filter((r) => inScope(query, r))
    .filter((r) => qualifier(query, 'language').every((l) => r.language?.toLowerCase() === l))
    .filter((r) => qualifier(query, 'topic').every((t) => r.topics.includes(t)))
    .filter((r) => qualifier(query, 'stars').every((s) => compare(String(r.stars), s)))
    .filter((r) => {
      const haystack = `${r.name} ${r.description ?? ''} ${r.topics.join(' ')}`.toLowerCase();
      return query.words.every((w) => haystack.includes(w));
    });
  if (sort === 'stars' || sort === 'forks')
    hits.sort((a, b) => sign * (sort === 'stars' ? a.stars - b.stars : a.forks - b.forks));
  return envelope(
    ctx,
    hits.map((r) => ({ ...json.repoJson(ctx.api, r), score: 1 })),
  );
};

const LANGUAGES: Record<string, string> = {
  ts: 'typescript',
  js: 'javascript',
  md: 'markdown',
  py: 'python',
  json: 'json',
};

export const searchCode: Handler = (ctx) => {
  if (!ctx.user)
    throw new FakeHttpError(401, 'Requires authentication', [
      {
        message: 'Must be authenticated to access the code search API',
        resource: 'Search',
        field: 'q',
        code: 'invalid',
      },
    ]);
  const query = parseQuery(ctx);
  const hits: unknown[] = [];
  for (const repo of ctx.allRepos().filter((r) => inScope(query, r))) {
    const head = repo.git.resolve(repo.defaultBranch);
    if (!head) continue;
    for (const [path, entry] of repo.git.flatten(repo.git.get(head, 'commit')!.tree)) {
      const extension = path.split('.').pop()!.toLowerCase();
      const filename = path.split('/').pop()!.toLowerCase();
      if (!qualifier(query, 'path').every((p) => path.toLowerCase().startsWith(p.replace(/^\//, ''))))
        continue;
      if (!qualifier(query, 'extension').every((e) => extension === e)) continue;
      if (!qualifier(query, 'filename').every((f) => filename === f)) continue;
      if (!qualifier(query, 'language').every((l) => LANGUAGES[extension] === l)) continue;
      const content = repo.git.get(entry.sha, 'blob')!.content.toString('utf8').toLowerCase();
      if (!query.words.every((w) => content.includes(w) || path.toLowerCase().includes(w))) continue;
      const full = `${repo.owner}/${repo.name}`;
      const { owner, ...repository } = json.repoJson(ctx.api, repo);
      hits.push({
        name: path.split('/').pop()!,
        path,
        sha: entry.sha,
        url: `${ctx.api}/repos/${full}/contents/${path}?ref=${head}`,
        git_url: `${ctx.api}/repos/${full}/git/blobs/${entry.sha}`,
        html_url: `https://github.com/${full}/blob/${head}/${path}`,
        repository: { ...repository, owner },
        score: 1,
      });
    }
  }
  return envelope(ctx, hits);
};

export const searchIssues: Handler = (ctx) => {
  const query = parseQuery(ctx);
  const kinds = query.qualifiers.filter(
    (q) => (q.key === 'is' || q.key === 'type') && /^(issue|pr|pull-request)$/.test(q.value),
  );
  if (kinds.length === 0)
    throw new FakeHttpError(
      422,
      "Query must include 'is:issue' or 'is:pull-request'",
      undefined,
      'https://docs.github.com/rest/search/search#search-issues-and-pull-requests',
    );
  const wantPulls = kinds.some((k) => k.value !== 'issue');
  const wantIssues = kinds.some((k) => k.value === 'issue');
  const states = [
    ...qualifier(query, 'state'),
    ...qualifier(query, 'is').filter((v) => v === 'open' || v === 'closed'),
  ];
  const hits: Array<{ item: unknown; created: string; updated: string; comments: number }> = [];
  for (const repo of ctx.allRepos().filter((r) => inScope(query, r))) {
    for (const issue of repo.issues) {
      if (issue.pull ? !wantPulls : !wantIssues) continue;
      if (!states.every((s) => issue.state === s)) continue;
      if (!qualifier(query, 'label').every((l) => issue.labels.map((x) => x.toLowerCase()).includes(l)))
        continue;
      if (!qualifier(query, 'author').every((a) => issue.user.toLowerCase() === a)) continue;
      const haystack = `${issue.title} ${issue.body ?? ''}`.toLowerCase();
      if (!query.words.every((w) => haystack.includes(w))) continue;
      hits.push({
        item: { ...json.issueJson(ctx.api, repo, issue), score: 1 },
        created: issue.createdAt,
        updated: issue.updatedAt,
        comments: issue.comments,
      });
    }
  }
  const sort = ctx.query.get('sort');
  const sign = ctx.query.get('order') === 'asc' ? 1 : -1;
  if (sort === 'created' || sort === 'updated')
    hits.sort((a, b) => sign * (a[sort] < b[sort] ? -1 : a[sort] > b[sort] ? 1 : 0));
  if (sort === 'comments') hits.sort((a, b) => sign * (a.comments - b.comments));
  return envelope(
    ctx,
    hits.map((h) => h.item),
  );
};
