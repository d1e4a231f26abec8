import type { TreeEntry } from './fake-github-git.js';
import type { FakeComment, FakeIssue, FakeRepo } from './fake-github-state.js';

/**
 * GitHub's REST response bodies, with the field names and nesting of api.github.com (trimmed of
 * fields no client here reads, such as the dozens of *_url templates of a repository).
 */

const WEB = 'https://github.com';

export function userJson(api: string, login: string) {
  return {
    login,
    id: [...login].reduce((sum, c) => sum * 31 + c.charCodeAt(0), 7) % 1_000_000,
    node_id: Buffer.from(`04:User${login}`).toString('base64'),
    avatar_url: `https://avatars.githubusercontent.com/${login}`,
    gravatar_id: '',
    url: `${api}/users/${login}`,
    html_url: `${WEB}/${login}`,
    type: 'User',
    site_admin: false,
  };
}

export function repoJson(api: string, repo: FakeRepo) {
  const full = `${repo.owner}/${repo.name}`;
  const openIssues = repo.issues.filter((i) => i.state === 'open').length;
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    name: repo.name,
    full_name: full,
    private: repo.private,
    owner: userJson(api, repo.owner),
    html_url: `${WEB}/${full}`,
    description: repo.description,
    fork: false,
    url: `${api}/repos/${full}`,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    pushed_at: repo.createdAt,
    homepage: null,
    size: 0,
    stargazers_count: repo.stars,
    watchers_count: repo.stars,
    language: repo.language,
    has_issues: true,
    forks_count: repo.forks,
    archived: false,
    disabled: false,
    open_issues_count: openIssues,
    license: null,
    topics: repo.topics,
    visibility: repo.private ? 'private' : 'public',
    forks: repo.forks,
    open_issues: openIssues,
    watchers: repo.stars,
    default_branch: repo.defaultBranch,
  };
}

function labelJson(api: string, repo: FakeRepo, name: string) {
  return {
    id: [...name].reduce((sum, c) => sum * 31 + c.charCodeAt(0), 11) % 1_000_000,
    node_id: Buffer.from(`05:Label${name}`).toString('base64'),
    url: `${api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
    name,
    color: 'ededed',
    default: false,
    description: null,
  };
}

export function issueJson(api: string, repo: FakeRepo, issue: FakeIssue) {
  const full = `${repo.owner}/${repo.name}`;
  const url = `${api}/repos/${full}/issues/${issue.number}`;
  return {
    url,
    repository_url: `${api}/repos/${full}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${WEB}/${full}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`,
    id: issue.id,
    node_id: Buffer.from(`05:Issue${issue.id}`).toString('base64'),
    number: issue.number,
    title: issue.title,
    user: userJson(api, issue.user),
    labels: issue.labels.map((name) => labelJson(api, repo, name)),
    state: issue.state,
    locked: false,
    assignee: issue.assignees[0] ? userJson(api, issue.assignees[0]) : null,
    assignees: issue.assignees.map((login) => userJson(api, login)),
    milestone: null,
    comments: issue.comments,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: issue.user === repo.owner ? 'OWNER' : 'CONTRIBUTOR',
    active_lock_reason: null,
    body: issue.body,
    state_reason: null,
    ...(issue.pull
      ? {
          pull_request: {
            url: `${api}/repos/${full}/pulls/${issue.number}`,
            html_url: `${WEB}/${full}/pull/${issue.number}`,
            diff_url: `${WEB}/${full}/pull/${issue.number}.diff`,
            patch_url: `${WEB}/${full}/pull/${issue.number}.patch`,
            merged_at: null,
          },
        }
      : {}),
  };
}

export function pullJson(api: string, repo: FakeRepo, issue: FakeIssue) {
  const full = `${repo.owner}/${repo.name}`;
  const pull = issue.pull!;
  const branch = (ref: string) => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha: repo.git.refs.get(`refs/heads/${ref}`) ?? '0'.repeat(40),
    user: userJson(api, repo.owner),
    repo: repoJson(api, repo),
  });
  return {
    url: `${api}/repos/${full}/pulls/${issue.number}`,
    id: issue.id,
    node_id: Buffer.from(`011:PullRequest${issue.id}`).toString('base64'),
    html_url: `${WEB}/${full}/pull/${issue.number}`,
    diff_url: `${WEB}/${full}/pull/${issue.number}.diff`,
    patch_url: `${WEB}/${full}/pull/${issue.number}.patch`,
    issue_url: `${api}/repos/${full}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    locked: false,
    title: issue.title,
    user: userJson(api, issue.user),
    body: issue.body,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    labels: issue.labels.map((name) => labelJson(api, repo, name)),
    draft: pull.draft,
    head: branch(pull.head),
    base: branch(pull.base),
    author_association: 'OWNER',
    auto_merge: null,
  };
}

export function commentJson(api: string, repo: FakeRepo, comment: FakeComment) {
  const full = `${repo.owner}/${repo.name}`;
  return {
    id: comment.id,
    node_id: Buffer.from(`012:IssueComment${comment.id}`).toString('base64'),
    url: `${api}/repos/${full}/issues/comments/${comment.id}`,
    html_url: `${WEB}/${full}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
    body: comment.body,
    user: userJson(api, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    issue_url: `${api}/repos/${full}/issues/${comment.issueNumber}`,
    author_association: 'OWNER',
  };
}

export function refJson(api: string, repo: FakeRepo, ref: string, sha: string) {
  const full = `${repo.owner}/${repo.name}`;
  return {
    ref,
    node_id: Buffer.from(`03:Ref${ref}`).toString('base64'),
    url: `${api}/repos/${full}/git/${ref}`,
    object: { sha, type: 'commit', url: `${api}/repos/${full}/git/commits/${sha}` },
  };
}

export function commitJson(api: string, repo: FakeRepo, sha: string) {
  const full = `${repo.owner}/${repo.name}`;
  const commit = repo.git.get(sha, 'commit')!;
  return {
    sha,
    node_id: Buffer.from(`06:Commit${sha}`).toString('base64'),
    url: `${api}/repos/${full}/git/commits/${sha}`,
    html_url: `${WEB}/${full}/commit/${sha}`,
    author: commit.author,
    committer: commit.committer,
    tree: { sha: commit.tree, url: `${api}/repos/${full}/git/trees/${commit.tree}` },
    message: commit.message,
    parents: commit.parents.map((p) => ({
      sha: p,
      url: `${api}/repos/${full}/git/commits/${p}`,
      html_url: `${WEB}/${full}/commit/${p}`,
    })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

export function treeEntryJson(api: string, repo: FakeRepo, entry: TreeEntry) {
  const full = `${repo.owner}/${repo.name}`;
  const blob = repo.git.get(entry.sha, 'blob');
  return {
    path: entry.name,
    mode: entry.mode,
    type: entry.type,
    sha: entry.sha,
    ...(blob ? { size: blob.content.length } : {}),
    url: `${api}/repos/${full}/git/${entry.type}s/${entry.sha}`,
  };
}

/** GitHub wraps base64 contents at 60 characters, with a trailing newline. */
export function wrapBase64(bytes: Buffer): string {
  const base64 = bytes.toString('base64');
  return base64 === '' ? '' : `${base64.match(/.{1,60}/g)!.join('\n')}\n`;
}

/** Larger files come back from the contents API without content (encoding "none"). */
export const CONTENTS_MAX_BYTES = 1024 * 1024;

export function contentJson(
  api: string,
  repo: FakeRepo,
  ref: string,
  path: string,
  entry: TreeEntry,
  withContent: boolean,
) {
  const full = `${repo.owner}/${repo.name}`;
  const self = `${api}/repos/${full}/contents/${encodeURI(path)}?ref=${encodeURIComponent(ref)}`;
  const git = `${api}/repos/${full}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}`;
  const html = `${WEB}/${full}/${entry.type === 'tree' ? 'tree' : 'blob'}/${ref}/${encodeURI(path)}`;
  const blob = repo.git.get(entry.sha, 'blob');
  const base = {
    type: entry.type === 'tree' ? 'dir' : 'file',
    size: blob?.content.length ?? 0,
    name: entry.name || path.split('/').pop() || '',
    path,
    sha: entry.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: blob ? `https://raw.githubusercontent.com/${full}/${ref}/${encodeURI(path)}` : null,
    _links: { self, git, html },
  };
  if (!withContent || !blob) return base;
  const fits = blob.content.length <= CONTENTS_MAX_BYTES;
  return { ...base, content: fits ? wrapBase64(blob.content) : '', encoding: fits ? 'base64' : 'none' };
}
