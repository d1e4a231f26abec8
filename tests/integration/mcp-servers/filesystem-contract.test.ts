import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { runMcpContract } from '../../support/mcp-contract.js';

const DENIED = /access denied.*list_allowed_directories/;

// The root of the process running now (each transport's process has its own home).
let currentRoot = '';

// The filesystem server through `switchyard server filesystem`, its root a directory in the
// process's temporary home (given by SWITCHYARD_FS_ROOTS); paths below are relative to it.
runMcpContract('filesystem', {
  env: (home) => {
    const root = join(home, 'fsroot');
    currentRoot = root;
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'pixel.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    return { SWITCHYARD_FS_ROOTS: root };
  },
  tools: {
    list_allowed_directories: {
      valid: [
        {
          arguments: {},
          check: (r) =>
            expect((r.structuredContent as { directories: string[] }).directories).toHaveLength(1),
        },
      ],
      invalid: [],
      noInvalidInput: 'it takes no arguments',
    },
    write_file: {
      valid: [
        {
          arguments: { path: 'notes.txt', content: 'one\ntwo\nthree\n' },
          check: (r) => expect(r.structuredContent).toEqual({ path: 'notes.txt', bytes: 14 }),
        },
      ],
      invalid: [
        { arguments: { path: '../escape.txt', content: 'x' }, error: DENIED },
        { arguments: { path: 'missing-dir/x.txt', content: 'x' }, error: /does not exist|create_directory/ },
      ],
    },
    read_text_file: {
      valid: [
        {
          arguments: { path: 'notes.txt', head: 2 },
          check: (r) => expect(r.structuredContent).toMatchObject({ content: 'one\ntwo' }),
        },
      ],
      invalid: [
        { arguments: { path: '/etc/passwd' }, error: DENIED },
        { arguments: { path: 'nope.txt' }, error: /does not exist/ },
        { arguments: { path: 'notes.txt', head: 1, tail: 1 }, error: /not both/ },
        { arguments: { path: 'notes\0.txt' }, error: /NUL/ },
      ],
    },
    read_media_file: {
      valid: [
        {
          arguments: { path: 'pixel.png' },
          check: (r) => expect(r.content[0]).toMatchObject({ type: 'image', mimeType: 'image/png' }),
        },
      ],
      invalid: [{ arguments: { path: '../../x.png' }, error: DENIED }],
    },
    read_multiple_files: {
      valid: [
        {
          arguments: { paths: ['notes.txt', 'nope.txt'] },
          check: (r) => expect(JSON.stringify(r.structuredContent)).toContain('does not exist'),
        },
      ],
      invalid: [{ arguments: { paths: [] }, error: /paths|too_small|at least/i }],
    },
    edit_file: {
      valid: [
        {
          arguments: { path: 'notes.txt', edits: [{ oldText: 'two', newText: 'TWO' }], dryRun: true },
          check: (r) => expect(r.structuredContent).toMatchObject({ applied: false }),
        },
        {
          arguments: { path: 'notes.txt', edits: [{ oldText: 'two', newText: 'TWO' }] },
          check: (r) => expect((r.structuredContent as { diff: string }).diff).toContain('+TWO'),
        },
      ],
      invalid: [
        {
          arguments: { path: 'notes.txt', edits: [{ oldText: 'absent', newText: 'x' }] },
          error: /not found/,
        },
      ],
    },
    create_directory: {
      valid: [
        {
          arguments: { path: 'docs/deep' },
          check: (r) => expect(r.structuredContent).toEqual({ path: 'docs/deep', created: true }),
        },
      ],
      invalid: [{ arguments: { path: '../outside' }, error: DENIED }],
    },
    list_directory: {
      valid: [
        {
          arguments: { path: '.', sortBy: 'size' },
          check: (r) => expect(JSON.stringify(r.structuredContent)).toContain('notes.txt'),
        },
      ],
      invalid: [
        { arguments: { path: 'notes.txt' }, error: /not a directory/ },
        { arguments: { path: '.', sortBy: 'date' }, error: /sortBy|invalid/i },
      ],
    },
    directory_tree: {
      valid: [
        {
          arguments: { path: '.' },
          check: (r) => expect(JSON.stringify(r.structuredContent)).toContain('deep'),
        },
      ],
      invalid: [{ arguments: { path: '..' }, error: DENIED }],
    },
    move_file: {
      valid: [{ arguments: { source: 'notes.txt', destination: 'docs/notes.txt' } }],
      invalid: [
        { arguments: { source: 'docs/notes.txt', destination: 'pixel.png' }, error: /already exists/ },
        { arguments: { source: 'docs/notes.txt', destination: '../notes.txt' }, error: DENIED },
      ],
    },
    search_files: {
      valid: [
        {
          arguments: { path: '.', pattern: '*.txt' },
          check: (r) => expect(r.structuredContent).toMatchObject({ matches: ['docs/notes.txt'] }),
        },
      ],
      invalid: [{ arguments: { path: '..', pattern: '*' }, error: DENIED }],
    },
    get_file_info: {
      valid: [
        {
          arguments: { path: 'docs' },
          check: (r) => expect(r.structuredContent).toMatchObject({ type: 'directory' }),
        },
      ],
      invalid: [{ arguments: { path: 'nothing-here' }, error: /does not exist/ }],
    },
  },
  resourceTemplates: ['file://{+path}'],
  resources: [
    {
      get uri() {
        return pathToFileURL(join(currentRoot, 'pixel.png')).href;
      },
      check: (r) => expect(r.contents[0]).toMatchObject({ mimeType: 'image/png', blob: 'iVBORw==' }),
    },
  ],
});
