import { join } from 'node:path';
import { type FsFixture, SECRET } from './fs-harness.js';

export interface Attempt {
  name: string;
  tool: string;
  args: (f: FsFixture) => Record<string, unknown>;
  /**
   * error (default): an isError result. partial: read_multiple_files reports the file as an
   * error. empty: a search whose walk stays inside finds nothing.
   */
  outcome?: 'error' | 'partial' | 'empty';
}

const LONG = `${'a/'.repeat(2100)}x.txt`;

// Issue 3's check: at least 40 escape attempts across the tools, every one refused, none touching
// anything outside the root. Paths are relative to the root unless built from the fixture.
export const ATTEMPTS: Attempt[] = [
  { name: 'read: ../ relative', tool: 'read_text_file', args: () => ({ path: '../outside/secret.txt' }) },
  {
    name: 'read: absolute path outside',
    tool: 'read_text_file',
    args: (f) => ({ path: join(f.outside, 'secret.txt') }),
  },
  {
    name: 'read: absolute path with .. through the root',
    tool: 'read_text_file',
    args: (f) => ({ path: `${f.root}/../outside/secret.txt` }),
  },
  { name: 'read: file symlink to outside', tool: 'read_text_file', args: () => ({ path: 'link-out' }) },
  { name: 'read: symlink chain to outside', tool: 'read_text_file', args: () => ({ path: 'chain1' }) },
  {
    name: 'read: through a directory symlink',
    tool: 'read_text_file',
    args: () => ({ path: 'dirlink-out/secret.txt' }),
  },
  {
    name: 'read: .. after a directory symlink',
    tool: 'read_text_file',
    args: () => ({ path: 'dirlink-deep/../secret.txt' }),
  },
  {
    name: 'read: /root-evil prefix sibling (absolute)',
    tool: 'read_text_file',
    args: (f) => ({ path: join(f.evil, 'evil.txt') }),
  },
  {
    name: 'read: /root-evil prefix sibling (relative)',
    tool: 'read_text_file',
    args: () => ({ path: '../root-evil/evil.txt' }),
  },
  {
    name: 'read: NUL byte',
    tool: 'read_text_file',
    args: () => ({ path: 'inside.txt\0/../../outside/secret.txt' }),
  },
  {
    name: 'read: percent-encoded ..',
    tool: 'read_text_file',
    args: () => ({ path: '%2e%2e/outside/secret.txt' }),
  },
  {
    name: 'read: percent-encoded slashes',
    tool: 'read_text_file',
    args: () => ({ path: '%2e%2e%2foutside%2fsecret.txt' }),
  },
  { name: 'read: over-long path', tool: 'read_text_file', args: () => ({ path: LONG }) },
  {
    name: 'read: backslash traversal',
    tool: 'read_text_file',
    args: () => ({ path: '..\\outside\\secret.txt' }),
  },
  {
    name: 'read: file:// URL',
    tool: 'read_text_file',
    args: (f) => ({ path: `file://${f.outside}/secret.txt` }),
  },
  {
    name: 'read: tail through a symlink',
    tool: 'read_text_file',
    args: () => ({ path: 'link-out', tail: 1 }),
  },
  { name: 'media: file symlink', tool: 'read_media_file', args: () => ({ path: 'link-out' }) },
  {
    name: 'media: directory symlink',
    tool: 'read_media_file',
    args: () => ({ path: 'dirlink-out/secret.txt' }),
  },
  {
    name: 'multiple: one symlink among inside files',
    tool: 'read_multiple_files',
    args: () => ({ paths: ['inside.txt', 'link-out'] }),
    outcome: 'partial',
  },
  {
    name: 'multiple: one absolute outside',
    tool: 'read_multiple_files',
    args: (f) => ({ paths: [join(f.evil, 'evil.txt')] }),
    outcome: 'partial',
  },
  {
    name: 'write: ../ relative',
    tool: 'write_file',
    args: () => ({ path: '../outside/new.txt', content: 'x' }),
  },
  {
    name: 'write: over a file symlink to outside',
    tool: 'write_file',
    args: () => ({ path: 'link-out', content: 'pwned' }),
  },
  {
    name: 'write: through a dangling symlink',
    tool: 'write_file',
    args: () => ({ path: 'dangling', content: 'pwned' }),
  },
  {
    name: 'write: into a directory symlink',
    tool: 'write_file',
    args: () => ({ path: 'dirlink-out/new.txt', content: 'x' }),
  },
  {
    name: 'write: /root-evil sibling',
    tool: 'write_file',
    args: (f) => ({ path: join(f.evil, 'evil.txt'), content: 'pwned' }),
  },
  {
    name: 'write: NUL byte',
    tool: 'write_file',
    args: () => ({ path: 'ok.txt\0../outside/x', content: 'x' }),
  },
  { name: 'write: symlink chain', tool: 'write_file', args: () => ({ path: 'chain1', content: 'pwned' }) },
  {
    name: 'edit: file symlink',
    tool: 'edit_file',
    args: () => ({ path: 'link-out', edits: [{ oldText: SECRET, newText: 'pwned' }] }),
  },
  {
    name: 'edit: directory symlink',
    tool: 'edit_file',
    args: () => ({ path: 'dirlink-out/secret.txt', edits: [{ oldText: SECRET, newText: 'x' }] }),
  },
  {
    name: 'edit: ../ relative',
    tool: 'edit_file',
    args: () => ({ path: '../outside/secret.txt', edits: [{ oldText: SECRET, newText: 'x' }] }),
  },
  {
    name: 'mkdir: inside a directory symlink',
    tool: 'create_directory',
    args: () => ({ path: 'dirlink-out/newdir' }),
  },
  { name: 'mkdir: ../ relative', tool: 'create_directory', args: () => ({ path: '../outside/newdir' }) },
  {
    name: 'mkdir: below a dangling symlink',
    tool: 'create_directory',
    args: () => ({ path: 'dangling/sub' }),
  },
  { name: 'list: directory symlink', tool: 'list_directory', args: () => ({ path: 'dirlink-out' }) },
  { name: 'list: parent of the root', tool: 'list_directory', args: () => ({ path: '..' }) },
  { name: 'list: /root-evil sibling', tool: 'list_directory', args: (f) => ({ path: f.evil }) },
  { name: 'tree: directory symlink', tool: 'directory_tree', args: () => ({ path: 'dirlink-out' }) },
  { name: 'tree: parent of the root', tool: 'directory_tree', args: (f) => ({ path: f.base }) },
  {
    name: 'move: source outside',
    tool: 'move_file',
    args: () => ({ source: '../outside/secret.txt', destination: 'stolen.txt' }),
  },
  {
    name: 'move: destination outside',
    tool: 'move_file',
    args: () => ({ source: 'inside.txt', destination: '../outside/moved.txt' }),
  },
  {
    name: 'move: destination in a directory symlink',
    tool: 'move_file',
    args: () => ({ source: 'inside.txt', destination: 'dirlink-out/moved.txt' }),
  },
  {
    name: 'move: source in a directory symlink',
    tool: 'move_file',
    args: () => ({ source: 'dirlink-out/secret.txt', destination: 'stolen.txt' }),
  },
  {
    name: 'move: destination /root-evil sibling',
    tool: 'move_file',
    args: (f) => ({ source: 'inside.txt', destination: join(f.evil, 'x.txt') }),
  },
  { name: 'search: from the parent', tool: 'search_files', args: () => ({ path: '..', pattern: '*' }) },
  {
    name: 'search: from a directory symlink',
    tool: 'search_files',
    args: () => ({ path: 'dirlink-out', pattern: '*' }),
  },
  {
    name: 'search: pattern with ..',
    tool: 'search_files',
    args: () => ({ path: '.', pattern: '../outside/*' }),
    outcome: 'empty',
  },
  {
    name: 'search: does not descend into directory symlinks',
    tool: 'search_files',
    args: () => ({ path: '.', pattern: 'secret.txt' }),
    outcome: 'empty',
  },
  { name: 'info: file symlink', tool: 'get_file_info', args: () => ({ path: 'link-out' }) },
  { name: 'info: ../ relative', tool: 'get_file_info', args: () => ({ path: '../outside/secret.txt' }) },
  { name: 'info: /root-evil sibling', tool: 'get_file_info', args: (f) => ({ path: f.evil }) },
];
