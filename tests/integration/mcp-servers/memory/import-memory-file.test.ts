import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../../../mcp-servers/memory/create-server.js';
import { silentLogger } from '../../../../core/logger.js';
import { LocalEmbedder } from '../../../../stores/embeddings/local-embedder.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { MemoryVectorStore } from '../../../../stores/vector/backends/memory/memory-vector-store.js';
import { connectInMemory, type InMemoryConnection, textOf } from '../../../support/in-memory-mcp.js';
import { openMigratedPglite } from './memory-harness.js';

const ENTITY = { type: 'entity', name: 'Imported', entityType: 'note', observations: ['from a file'] };

/**
 * A temporary layout (real paths):
 *   base/root/memory.jsonl      a memory file inside the allowed root
 *   base/root/link-out          → base/outside/data.jsonl (exists)
 *   base/root/link-missing      → base/outside/missing.jsonl (does not exist)
 *   base/outside/data.jsonl     a valid memory file outside the root
 */
describe('import_memory_file with a path', () => {
  let base: string;
  let root: string;
  let outside: string;
  let sql: Sql;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'sy-memory-import-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
    await writeFile(join(root, 'memory.jsonl'), `${JSON.stringify(ENTITY)}\n`);
    await writeFile(join(outside, 'data.jsonl'), `${JSON.stringify(ENTITY)}\n`);
    await symlink(join(outside, 'data.jsonl'), join(root, 'link-out'));
    await symlink(join(outside, 'missing.jsonl'), join(root, 'link-missing'));
    sql = await openMigratedPglite();
  });
  afterAll(async () => {
    await sql.close();
    await rm(base, { recursive: true, force: true });
  });

  async function withServer<T>(roots: string[], use: (memory: InMemoryConnection) => Promise<T>): Promise<T> {
    const memory = await connectInMemory(
      createServer({
        sql,
        store: new MemoryVectorStore(),
        embedder: new LocalEmbedder(),
        logger: silentLogger,
        roots,
      }),
    );
    try {
      return await use(memory);
    } finally {
      await memory.close();
    }
  }

  /** The refusal's text with the path given replaced, so refusals of different paths compare. */
  async function refusal(memory: InMemoryConnection, path: string): Promise<string> {
    const result = await memory.call('import_memory_file', { path });
    expect(result.isError, textOf(result)).toBe(true);
    return textOf(result).replaceAll(path, '<path>');
  }

  it('imports a file inside a configured root', async () => {
    await withServer([root], async (memory) => {
      const result = await memory.call('import_memory_file', { path: join(root, 'memory.jsonl') });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ lines: 1 });
    });
  });

  it('refuses a path outside the roots with the same message whether or not it exists', async () => {
    await withServer([root], async (memory) => {
      const existing = await refusal(memory, '/etc/passwd');
      expect(existing).toMatch(/not a readable file inside the allowed directories/);
      expect(existing).not.toMatch(/root:/);
      expect(await refusal(memory, '/etc/no-such-file-switchyard')).toBe(existing);
      expect(await refusal(memory, join(outside, 'data.jsonl'))).toBe(existing);
      expect(await refusal(memory, join(outside, 'missing.jsonl'))).toBe(existing);
    });
  });

  it('refuses a symlink inside a root that points outside, whether or not its target exists', async () => {
    await withServer([root], async (memory) => {
      const toExisting = await refusal(memory, join(root, 'link-out'));
      expect(toExisting).toMatch(/not a readable file inside the allowed directories/);
      expect(await refusal(memory, join(root, 'link-missing'))).toBe(toExisting);
      expect(await refusal(memory, '/etc/passwd')).toBe(toExisting);
    });
  });

  it('refuses every path when no roots are configured, saying to pass text or configure roots', async () => {
    await withServer([], async (memory) => {
      const message = await refusal(memory, join(root, 'memory.jsonl'));
      expect(message).toMatch(/`text`/);
      expect(message).toMatch(/filesystem\.roots/);
      expect(await refusal(memory, '/etc/no-such-file-switchyard')).toBe(message);
      const text = await memory.call('import_memory_file', { text: `${JSON.stringify(ENTITY)}\n` });
      expect(text.isError, textOf(text)).toBeFalsy();
    });
  });
});
