import { describe, expect, it } from 'vitest';
import { parseModelChange } from '../../../../agents/coding/coding-model.js';
import {
  appendChangelogEntry,
  branchNameFor,
  filesToRead,
  mentionedPaths,
  splitRepo,
} from '../../../../agents/coding/coding-plan.js';

describe('coding plan', () => {
  it('finds the file paths a request names', () => {
    expect(mentionedPaths('Fix the typo in docs/guide.md and `src/index.ts`, not http://x.io')).toEqual([
      'docs/guide.md',
      'src/index.ts',
    ]);
    expect(mentionedPaths('Make it faster')).toEqual([]);
  });

  it('reads the given paths, the named ones, and the CHANGELOG only when no change is given', () => {
    expect(filesToRead('Update README.md', undefined)).toEqual(['README.md', 'CHANGELOG.md']);
    expect(filesToRead('Update README.md', [{ path: 'a.txt', content: '' }])).toEqual(['a.txt', 'README.md']);
  });

  it('names a branch after the request and the run, within git rules', () => {
    expect(branchNameFor('Add a farewell function, please!', 'abc-123-def-456')).toBe(
      'switchyard/add-a-farewell-function-please-abc123de',
    );
    expect(branchNameFor('!!!', 'r1')).toBe('switchyard/change-r1');
  });

  it('splits owner/name', () => {
    expect(splitRepo('octo/hello')).toEqual({ owner: 'octo', repo: 'hello' });
  });

  describe('appendChangelogEntry', () => {
    it('creates a changelog when there is none', () => {
      expect(appendChangelogEntry(undefined, 'Add X')).toBe('# Changelog\n\n## Unreleased\n\n- Add X\n');
    });

    it('adds the entry after the last one of the Unreleased section', () => {
      const before = '# Changelog\n\n## [Unreleased]\n\n- One\n- Two\n\n## 1.0.0\n\n- Old\n';
      expect(appendChangelogEntry(before, 'Three')).toBe(
        '# Changelog\n\n## [Unreleased]\n\n- One\n- Two\n- Three\n\n## 1.0.0\n\n- Old\n',
      );
    });

    it('fills an empty Unreleased section', () => {
      expect(appendChangelogEntry('# Changelog\n\n## Unreleased\n\n## 1.0.0\n- Old\n', 'New')).toBe(
        '# Changelog\n\n## Unreleased\n\n- New\n\n## 1.0.0\n- Old\n',
      );
    });

    it('adds an Unreleased section above the first release', () => {
      expect(appendChangelogEntry('# Changelog\n\n## 1.0.0\n\n- Old\n', 'New\n  entry')).toBe(
        '# Changelog\n\n## Unreleased\n\n- New entry\n\n## 1.0.0\n\n- Old\n',
      );
    });
  });

  describe('parseModelChange', () => {
    it('accepts a fenced JSON change', () => {
      const text = 'Here:\n```json\n{"files":[{"path":"a.ts","content":"x"}],"title":"T"}\n```';
      expect(parseModelChange(text)).toEqual({
        change: { files: [{ path: 'a.ts', content: 'x' }], title: 'T' },
      });
    });

    it('refuses prose, missing files and paths that leave the repository', () => {
      expect(parseModelChange('I cannot do that')).toHaveProperty('problem');
      expect(parseModelChange('{"files":[]}')).toHaveProperty('problem');
      expect(parseModelChange('{"files":[{"path":"../etc/passwd","content":""}]}')).toEqual({
        problem: "the model named an unsafe path '../etc/passwd'",
      });
    });
  });
});
