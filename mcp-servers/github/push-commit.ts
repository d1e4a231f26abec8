import type { Octokit } from '@octokit/rest';
import { ConflictError } from '#core';
import type { CallOptions } from './call-context.js';
import { GitHubApiError } from './github-errors.js';

export interface FileToPush {
  path: string;
  content: string;
  /** @defaultValue 'utf-8' */
  encoding?: 'utf-8' | 'base64' | undefined;
}

export interface PushRequest {
  owner: string;
  repo: string;
  branch: string;
  message: string;
  files: readonly FileToPush[];
}

export interface PushReport {
  [key: string]: unknown;
  branch: string;
  commit_sha: string;
  tree_sha: string;
  parent_sha: string;
  files: string[];
  html_url: string;
}

/** A branch that moved between reading its head and updating it: someone else pushed meanwhile. */
export class BranchMovedError extends ConflictError {
  constructor(branch: string, parent: string, cause: GitHubApiError) {
    super(
      `branch '${branch}' moved while the commit was being made (it is no longer at ${parent.slice(0, 7)}; ` +
        `GitHub: ${cause.githubMessage}), so the commit was not added to it`,
      { branch, parent },
    );
  }
}

/**
 * Commits files to a branch as ONE commit through the git data API: read the branch head, create a
 * blob per file, a tree on top of the head's tree, a commit with the head as parent, then move the
 * branch to it without force. If the branch moved in between, GitHub refuses the update ("not a
 * fast forward") and nothing is lost: the new commit is simply unreferenced.
 */
export async function pushCommit(
  octokit: Octokit,
  push: PushRequest,
  options: CallOptions,
  onStep: (done: number, total: number, what: string) => Promise<void>,
): Promise<PushReport> {
  const { owner, repo, branch } = push;
  const total = push.files.length + 4;
  const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}`, ...options });
  const parent = ref.object.sha;
  const { data: head } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: parent, ...options });
  await onStep(2, total, `read ${branch} at ${parent.slice(0, 7)}`);

  // One blob at a time: GitHub asks integrations to send writes serially (secondary rate limits).
  const tree: Array<{ path: string; mode: '100644'; type: 'blob'; sha: string }> = [];
  for (const [index, file] of push.files.entries()) {
    const { data: blob } = await octokit.rest.git.createBlob({
      owner,
      repo,
      content: file.content,
      encoding: file.encoding ?? 'utf-8',
      ...options,
    });
    tree.push({ path: file.path, mode: '100644', type: 'blob', sha: blob.sha });
    await onStep(3 + index, total, `uploaded ${file.path}`);
  }
  const { data: newTree } = await octokit.rest.git.createTree({
    owner,
    repo,
    base_tree: head.tree.sha,
    tree,
    ...options,
  });
  const { data: commit } = await octokit.rest.git.createCommit({
    owner,
    repo,
    message: push.message,
    tree: newTree.sha,
    parents: [parent],
    ...options,
  });
  await onStep(total - 1, total, `created commit ${commit.sha.slice(0, 7)}`);
  try {
    await octokit.rest.git.updateRef({
      owner,
      repo,
      ref: `heads/${branch}`,
      sha: commit.sha,
      force: false,
      ...options,
    });
  } catch (error) {
    if (error instanceof GitHubApiError && error.status === 422 && /fast.?forward/i.test(error.githubMessage))
      throw new BranchMovedError(branch, parent, error);
    throw error;
  }
  await onStep(total, total, `moved ${branch} to ${commit.sha.slice(0, 7)}`);
  return {
    branch,
    commit_sha: commit.sha,
    tree_sha: newTree.sha,
    parent_sha: parent,
    files: push.files.map((f) => f.path),
    html_url: commit.html_url,
  };
}
