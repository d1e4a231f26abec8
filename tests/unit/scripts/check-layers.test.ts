import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const CHECK = join(import.meta.dirname, '../../../scripts/check-layers.mjs');
const IMPORTS = {
  '#core': './core/index.ts',
  '#stores/*': './stores/*/index.ts',
  '#runtime/*': './runtime/*/index.ts',
};

/** A tree with a front door for core and stores/sql, plus the files given. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-layers-'));
  const all: Record<string, string> = {
    'package.json': JSON.stringify({ imports: IMPORTS }),
    'core/index.ts': "export * from './errors.js';\n",
    'core/errors.ts': 'export class E extends Error {}\n',
    'stores/sql/index.ts': "export * from './sql.js';\n",
    'stores/sql/sql.ts': "import { E } from '#core';\nexport const sql = E;\n",
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function check(root: string) {
  return spawnSync(process.execPath, [CHECK, root], { encoding: 'utf8' });
}

describe('check:layers', () => {
  let root: string | undefined;
  afterEach(() => root && rmSync(root, { recursive: true, force: true }));

  it('passes imports that point down through front doors', () => {
    root = tree({ 'runtime/queue/queue.ts': "import { sql } from '#stores/sql';\nexport const q = sql;\n" });
    const result = check(root);
    expect(result.status, result.stderr).toBe(0);
  });

  it('refuses an arrow up a layer, even through a front door', () => {
    root = tree({
      'runtime/queue/index.ts': 'export const q = 1;\n',
      'stores/sql/up.ts': "import { q } from '#runtime/queue';\nexport const up = q;\n",
    });
    const result = check(root);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /stores\/sql\/up\.ts \(stores\) imports runtime\/queue\/index\.ts \(runtime\)/,
    );
  });

  it('refuses a relative import into another layer, and an alias to a file behind a front door', () => {
    root = tree({
      'runtime/queue/deep.ts': "import { sql } from '../../stores/sql/sql.js';\nexport const d = sql;\n",
      'runtime/queue/behind.ts': "import { sql } from '#stores/sql/sql';\nexport const b = sql;\n",
    });
    const result = check(root);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /deep\.ts imports \.\.\/\.\.\/stores\/sql\/sql\.js: another layer is reached through its front door/,
    );
    expect(result.stderr).toMatch(/behind\.ts imports #stores\/sql\/sql: no front door answers to that name/);
  });
});
