import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the faiss-node addon built by scripts/build-faiss.sh', () => {
  it('writes and reads flat indexes (it is compiled with RTTI; without it faiss segfaults here)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-faiss-addon-'));
    const file = join(dir, 'flat.index');
    // In a child process: a crash in native code would otherwise take the test worker down.
    const script = `
      const faiss = require('faiss-node');
      const index = new faiss.IndexFlatL2(2);
      index.add([0, 0, 3, 4]);
      index.write(${JSON.stringify(file)});
      const back = faiss.IndexFlatL2.read(${JSON.stringify(file)});
      const { distances, labels } = back.search([0, 0], 2);
      process.stdout.write(JSON.stringify({ n: back.ntotal(), distances, labels, bytes: back.toBuffer().length }));
    `;
    try {
      const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ n: 2, distances: [0, 25], labels: [0, 1] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
