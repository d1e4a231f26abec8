import type { RestEndpointMethodTypes } from '@octokit/rest';
import { z } from 'zod';

/**
 * The fields of GitHub's repositories, issues, pull requests and code hits that a model uses; the
 * full objects are mostly URLs and ids (an issue is ~4 KB of JSON, a pull request ~20 KB).
 */

type Endpoints = RestEndpointMethodTypes;
type RepositoryData = Endpoints['search']['repos']['response']['data']['items'][number];
type IssueData =
  | Endpoints['issues']['listForRepo']['response']['data'][number]
  | Endpoints['search']['issuesAndPullRequests']['response']['data']['items'][number];
type PullRequestData =
  Endpoints['pulls']['list']['response']['data'][number] | Endpoints['pulls']['create']['response']['data'];
type CodeData = Endpoints['search']['code']['response']['data']['items'][number];

/** Bodies longer than this are cut (`body_truncated: true`); the html_url has the rest. */
export const MAX_BODY_CHARS = 4000;

export const repositorySchema = z.object({
  full_name: z.string(),
  description: z.string().nullable(),
  html_url: z.string(),
  private: z.boolean(),
  fork: z.boolean(),
  archived: z.boolean(),
  default_branch: z.string().nullable(),
  language: z.string().nullable(),
  topics: z.array(z.string()),
  stargazers_count: z.number().int(),
  forks_count: z.number().int(),
  open_issues_count: z.number().int(),
  updated_at: z.string().nullable(),
});

export const issueSchema = z.object({
  number: z.number().int(),
  title: z.string(),
  state: z.string(),
  is_pull_request: z.boolean(),
  html_url: z.string(),
  user: z.string().nullable(),
  labels: z.array(z.string()),
  assignees: z.array(z.string()),
  comments: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  closed_at: z.string().nullable(),
  repository: z.string().nullable().describe('owner/repo (from the API URL)'),
  body: z.string().nullable(),
  body_truncated: z.boolean(),
});

export const pullRequestSchema = z.object({
  number: z.number().int(),
  title: z.string(),
  state: z.string(),
  draft: z.boolean(),
  merged: z.boolean(),
  html_url: z.string(),
  user: z.string().nullable(),
  head: z.string().describe('The branch with the changes'),
  head_label: z.string().describe('"owner:branch" of the head (the owner differs for a fork)'),
  head_sha: z.string(),
  base: z.string().describe('The branch they are to be merged into'),
  labels: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
  body: z.string().nullable(),
  body_truncated: z.boolean(),
});

export const codeHitSchema = z.object({
  repository: z.string(),
  path: z.string(),
  name: z.string(),
  sha: z.string(),
  html_url: z.string(),
  score: z.number(),
});

function cut(body: string | null | undefined): { body: string | null; body_truncated: boolean } {
  if (body === null || body === undefined) return { body: null, body_truncated: false };
  const truncated = body.length > MAX_BODY_CHARS;
  return { body: truncated ? body.slice(0, MAX_BODY_CHARS) : body, body_truncated: truncated };
}

function labelNames(labels: ReadonlyArray<string | { name?: string | null }>): string[] {
  return labels
    .map((label) => (typeof label === 'string' ? label : (label.name ?? '')))
    .filter((name) => name !== '');
}

/** "https://api.github.com/repos/octo/hello" → "octo/hello". */
function repositoryFromUrl(url: string | undefined): string | null {
  const match = /\/repos\/([^/]+\/[^/]+)$/.exec(url ?? '');
  return match ? match[1]! : null;
}

export function summarizeRepository(data: RepositoryData): z.infer<typeof repositorySchema> {
  return {
    full_name: data.full_name,
    description: data.description,
    html_url: data.html_url,
    private: data.private,
    fork: data.fork,
    archived: data.archived,
    default_branch: data.default_branch ?? null,
    language: data.language,
    topics: data.topics ?? [],
    stargazers_count: data.stargazers_count,
    forks_count: data.forks_count,
    open_issues_count: data.open_issues_count,
    updated_at: data.updated_at ?? null,
  };
}

export function summarizeIssue(data: IssueData): z.infer<typeof issueSchema> {
  return {
    number: data.number,
    title: data.title,
    state: data.state,
    // The issues endpoints return pull requests too, marked by this key.
    is_pull_request: data.pull_request !== undefined && data.pull_request !== null,
    html_url: data.html_url,
    user: data.user?.login ?? null,
    labels: labelNames(data.labels),
    assignees: (data.assignees ?? []).map((a) => a.login),
    comments: data.comments,
    created_at: data.created_at,
    updated_at: data.updated_at,
    closed_at: data.closed_at,
    repository: repositoryFromUrl(data.repository_url),
    ...cut(data.body),
  };
}

export function summarizePullRequest(data: PullRequestData): z.infer<typeof pullRequestSchema> {
  return {
    number: data.number,
    title: data.title,
    state: data.state,
    draft: data.draft ?? false,
    merged: data.merged_at !== null,
    html_url: data.html_url,
    user: data.user?.login ?? null,
    head: data.head.ref,
    head_label: data.head.label,
    head_sha: data.head.sha,
    base: data.base.ref,
    labels: labelNames(data.labels),
    created_at: data.created_at,
    updated_at: data.updated_at,
    ...cut(data.body),
  };
}

export function summarizeCodeHit(data: CodeData): z.infer<typeof codeHitSchema> {
  return {
    repository: data.repository.full_name,
    path: data.path,
    name: data.name,
    sha: data.sha,
    html_url: data.html_url,
    score: data.score,
  };
}
