import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every link in the project's documentation stays inside the repository and lands somewhere:
// README.md, docs/**/*.md and every folder README. A relative target must be a file or folder of
// the repository, and a `#anchor` must be a heading of the file it points to (GitHub's slugs). A
// link with a scheme (http, https, mailto, …), an absolute path or a path that climbs out of the
// repository is refused, and so is a bare URL in prose (GitHub would make it a link).

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', '.switchyard']);

function* markdownFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* markdownFiles(path);
    else if (
      name.endsWith('.md') &&
      ((dir + sep).startsWith(join(root, 'docs') + sep) || /^README/i.test(name))
    )
      yield path;
  }
}

/** The text of a markdown file with fenced code blocks and inline code spans blanked out. */
function withoutCode(text: string): string {
  const lines = text.split('\n');
  let fence: string | undefined;
  const kept = lines.map((line) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return '';
    }
    if (marker !== undefined) {
      fence = marker;
      return '';
    }
    return line;
  });
  return kept.join('\n').replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length));
}

/** Every link target of a markdown text: inline links and images, reference definitions, autolinks, bare URLs. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const targets: string[] = [];
  for (const match of text.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+["'(][^)]*)?\)/g)) targets.push(match[1]!);
  for (const match of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) targets.push(match[1]!);
  for (const match of text.matchAll(/<([a-z][a-z0-9+.-]*:[^>\s]*)>/gi)) targets.push(match[1]!);
  // A bare URL in prose; the ones already inside a link's parentheses were collected above.
  const outsideLinks = text.replace(/\]\([^)]*\)/g, '](…)');
  for (const match of outsideLinks.matchAll(/(?<![<\w])(?:https?:\/\/|www\.)[^\s)>\]]+/gi))
    targets.push(match[0]);
  return targets;
}

/** GitHub's anchor for a heading text: lower case, markup dropped, punctuation removed, spaces to hyphens. */
function githubSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a markdown file's headings, with GitHub's `-1`, `-2` suffixes for repeats. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.split('\n');
  let fence = false;
  for (const line of text) {
    if (/^\s{0,3}(`{3,}|~{3,})/.test(line)) fence = !fence;
    if (fence) continue;
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** What is wrong with one link of `file`, or undefined when it resolves inside the repository. */
function problemOf(file: string, target: string): string | undefined {
  if (target === '') return 'an empty link target';
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//') || /^www\./i.test(target))
    return 'points outside the repository';
  const hashAt = target.indexOf('#');
  const pathPart = decodeURIComponent(hashAt < 0 ? target : target.slice(0, hashAt));
  const anchor = hashAt < 0 ? undefined : decodeURIComponent(target.slice(hashAt + 1));
  if (pathPart.startsWith('/')) return 'an absolute path (use a path relative to the file)';
  const resolved = pathPart === '' ? file : resolve(dirname(file), pathPart.split('?')[0]!);
  const inside = relative(root, resolved);
  if (inside.startsWith('..') || inside.split(sep)[0] === '..') return 'leaves the repository';
  if (!existsSync(resolved)) return `no such file: ${inside}`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!resolved.endsWith('.md') || statSync(resolved).isDirectory())
    return `an anchor into ${inside}, which is not a markdown file`;
  if (!headingAnchors(readFileSync(resolved, 'utf8')).has(anchor))
    return `no heading '#${anchor}' in ${inside}`;
  return undefined;
}

describe('documentation links', () => {
  const files = [...markdownFiles(root)].sort();

  it('finds the README, the docs and the folder READMEs', () => {
    const names = files.map((file) => relative(root, file));
    expect(names).toContain('README.md');
    expect(names).toContain(join('docs', 'architecture.md'));
  });

  it.each(files.map((file) => [relative(root, file), file]))(
    '%s: every link resolves inside the repository',
    (_, file) => {
      const problems = linkTargets(readFileSync(file, 'utf8'))
        .map((target) => ({ target, problem: problemOf(file, target) }))
        .filter((entry) => entry.problem !== undefined)
        .map((entry) => `${entry.target}: ${entry.problem}`);
      expect(problems).toEqual([]);
    },
  );
});

describe('the link checker itself', () => {
  it('slugs headings as GitHub does', () => {
    expect(githubSlug('Where does a change go')).toBe('where-does-a-change-go');
    expect(githubSlug('SQL store (`stores/sql/`)')).toBe('sql-store-storessql');
    expect(githubSlug('Queue, workers & fronts')).toBe('queue-workers--fronts');
    expect([...headingAnchors('# A\n## A\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1']);
  });

  it('collects links outside code only, and flags the ones that leave', () => {
    const targets = linkTargets(
      '[a](docs/x.md#y) ![i](img.png "t") `[no](code.md)`\n```\n[no](fence.md)\n```\n[r]: ../out.md\nsee https://example.com\n',
    );
    expect(targets).toEqual(['docs/x.md#y', 'img.png', '../out.md', 'https://example.com']);
    expect(problemOf(join(root, 'README.md'), 'https://example.com')).toMatch(/outside/);
    expect(problemOf(join(root, 'README.md'), '../sibling-checkout/NOTES.md')).toMatch(/leaves/);
    expect(problemOf(join(root, 'README.md'), 'package.json')).toBeUndefined();
  });
});
