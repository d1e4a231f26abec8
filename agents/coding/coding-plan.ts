import { z } from 'zod';

/** The coding agent's pure decisions: which files a request concerns, branch names, the offline edit. */

export interface FileChange {
  path: string;
  content: string;
}

/** `owner/name`, both parts as GitHub allows them. */
export const repoSchema = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, {
  message: 'expected a repository as "owner/name", e.g. "octo/hello"',
});

export function splitRepo(repo: string): { owner: string; repo: string } {
  const [owner = '', name = ''] = repo.split('/');
  return { owner, repo: name };
}

const PATH_IN_TEXT =
  /(?:^|[\s`'"(])((?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_-]+\.[A-Za-z0-9]{1,8})(?=$|[\s`'"),:;])/g;

/** Paths that look like files named in a request (`fix the typo in docs/guide.md`), in order, once each. */
export function mentionedPaths(request: string): string[] {
  const found = new Set<string>();
  for (const match of request.matchAll(PATH_IN_TEXT)) {
    const path = match[1]!.replace(/\.$/, '');
    if (!/^\.|\.\.|^https?/i.test(path)) found.add(path);
  }
  return [...found];
}

export const CHANGELOG = 'CHANGELOG.md';
export const MAX_FILES_READ = 8;

/**
 * The files ANALYSING reads: the given changes' paths, then paths named in the request, then the
 * CHANGELOG when no change is given (the offline edit's target, and the fallback when a model's
 * answer is unusable).
 */
export function filesToRead(request: string, changes: FileChange[] | undefined): string[] {
  const paths = [...(changes ?? []).map((c) => c.path), ...mentionedPaths(request)];
  const unique = [...new Set(paths)].slice(0, MAX_FILES_READ);
  if (!changes?.length && !unique.includes(CHANGELOG)) unique.push(CHANGELOG);
  return unique;
}

/** A branch name from the request's first words and the run: unique per run, stable across restarts. */
export function branchNameFor(request: string, runId: string): string {
  const slug = request
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .split('-')
    .slice(0, 6)
    .join('-')
    .slice(0, 40)
    .replace(/-+$/, '');
  const suffix = runId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 8);
  return `switchyard/${slug || 'change'}-${suffix}`;
}

/**
 * The offline edit: the request becomes an entry under `## Unreleased` of a Keep-a-Changelog file
 * (the section and the file are created when missing). Deterministic, so a re-run writes the same.
 */
export function appendChangelogEntry(existing: string | undefined, entry: string): string {
  const line = `- ${entry.replace(/\s+/g, ' ').trim()}`;
  if (existing === undefined || existing.trim() === '') {
    return `# Changelog\n\n## Unreleased\n\n${line}\n`;
  }
  const lines = existing.replace(/\r\n/g, '\n').replace(/\n*$/, '').split('\n');
  const heading = lines.findIndex((l) => /^##\s+\[?unreleased\]?\s*$/i.test(l));
  if (heading === -1) {
    // A new section goes above the first release section, or at the end when there is none.
    const first = lines.findIndex((l) => /^##\s/.test(l));
    const at = first === -1 ? lines.length : first;
    const before = trimBlankEnd(lines.slice(0, at));
    const after = lines.slice(at);
    return (
      [...before, '', '## Unreleased', '', line, ...(after.length ? ['', ...after] : [])].join('\n') + '\n'
    );
  }
  let end = heading + 1;
  while (end < lines.length && !/^##\s/.test(lines[end]!)) end++;
  let lastItem = -1;
  for (let i = heading + 1; i < end; i++) if (/^\s*[-*]\s/.test(lines[i]!)) lastItem = i;
  if (lastItem !== -1)
    return [...lines.slice(0, lastItem + 1), line, ...lines.slice(lastItem + 1)].join('\n') + '\n';
  // An empty section: the entry replaces the blank lines under the heading.
  let next = heading + 1;
  while (next < end && lines[next]!.trim() === '') next++;
  const rest = lines.slice(next);
  return [...lines.slice(0, heading + 1), '', line, ...(rest.length ? ['', ...rest] : [])].join('\n') + '\n';
}

function trimBlankEnd(lines: string[]): string[] {
  const copy = [...lines];
  while (copy.length > 0 && copy[copy.length - 1]!.trim() === '') copy.pop();
  return copy;
}

/** The pull request's title: the request's first line, shortened for GitHub's 256 characters. */
export function pullRequestTitle(request: string): string {
  const first = request.trim().split('\n')[0]!.trim();
  return first.length > 120 ? `${first.slice(0, 117)}...` : first;
}

export function pullRequestBody(
  request: string,
  files: string[],
  how: 'model' | 'given' | 'changelog',
): string {
  const source = {
    model: 'The file contents were written by the configured model.',
    given: 'The file contents were given with the request.',
    changelog: 'Offline (no model): the request was recorded as an entry of the CHANGELOG.',
  }[how];
  return [
    '## Request',
    '',
    request.trim(),
    '',
    '## Changes',
    '',
    ...files.map((f) => `- \`${f}\``),
    '',
    `_Opened by the Switchyard coding agent. ${source}_`,
  ].join('\n');
}
