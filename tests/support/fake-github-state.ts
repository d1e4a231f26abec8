import { GitStore, type Signature } from './fake-github-git.js';

/** The fake GitHub's data: repositories with git objects, issues (pull requests among them), comments. */

export interface FakeIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels: string[];
  assignees: string[];
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  comments: number;
  /** Set for a pull request: GitHub numbers issues and pull requests together. */
  pull?: { head: string; base: string; draft: boolean };
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
}

export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  description: string | null;
  private: boolean;
  language: string | null;
  topics: string[];
  stars: number;
  forks: number;
  defaultBranch: string;
  createdAt: string;
  git: GitStore;
  issues: FakeIssue[];
  comments: FakeComment[];
  /** Logins that can be assigned (the owner always can). */
  collaborators: Set<string>;
}

export interface RepoSeed {
  owner: string;
  name: string;
  description?: string;
  private?: boolean;
  language?: string;
  topics?: string[];
  stars?: number;
  /** @defaultValue 'main' */
  defaultBranch?: string;
  /** Committed as the first commit of the default branch; none leaves the repository empty. */
  files?: Record<string, string | Buffer>;
  issues?: Array<{
    title: string;
    body?: string;
    labels?: string[];
    state?: 'open' | 'closed';
    user?: string;
  }>;
  collaborators?: string[];
}

/** GitHub's timestamps: ISO 8601 UTC without milliseconds. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function signature(login: string, date = new Date()): Signature {
  return { name: login, email: `${login}@users.noreply.github.com`, date: timestamp(date) };
}

let nextId = 1000;
/** GitHub ids are global and increasing. */
export function newId(): number {
  return nextId++;
}

export function createRepo(seed: RepoSeed): FakeRepo {
  const created = timestamp();
  const repo: FakeRepo = {
    id: newId(),
    owner: seed.owner,
    name: seed.name,
    description: seed.description ?? null,
    private: seed.private ?? false,
    language: seed.language ?? null,
    topics: seed.topics ?? [],
    stars: seed.stars ?? 0,
    forks: 0,
    defaultBranch: seed.defaultBranch ?? 'main',
    createdAt: created,
    git: new GitStore(),
    issues: [],
    comments: [],
    collaborators: new Set([seed.owner, ...(seed.collaborators ?? [])]),
  };
  if (seed.files)
    repo.git.commitFiles(repo.defaultBranch, seed.files, 'Initial commit', signature(seed.owner));
  for (const issue of seed.issues ?? []) {
    addIssue(repo, { ...issue, user: issue.user ?? seed.owner, labels: issue.labels ?? [], assignees: [] });
  }
  return repo;
}

export function addIssue(
  repo: FakeRepo,
  issue: Pick<FakeIssue, 'title' | 'labels' | 'assignees' | 'user'> & {
    body?: string | null | undefined;
    state?: 'open' | 'closed' | undefined;
    pull?: FakeIssue['pull'];
  },
): FakeIssue {
  // Distinct, increasing timestamps keep "newest first" orderings deterministic in tests.
  const at = timestamp(new Date(Date.parse('2024-01-01T00:00:00Z') + repo.issues.length * 60_000));
  const created: FakeIssue = {
    id: newId(),
    number: repo.issues.length + 1,
    title: issue.title,
    body: issue.body ?? null,
    state: issue.state ?? 'open',
    labels: issue.labels,
    assignees: issue.assignees,
    user: issue.user,
    createdAt: at,
    updatedAt: at,
    closedAt: issue.state === 'closed' ? at : null,
    comments: 0,
    ...(issue.pull ? { pull: issue.pull } : {}),
  };
  repo.issues.push(created);
  return created;
}
