import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMBED_BATCH_SIZE } from '../../../../mcp-servers/vector/write-documents.js';
import { LocalEmbedder } from '../../../../stores/embeddings/local-embedder.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import { MemoryVectorStore } from '../../../../stores/vector/backends/memory/memory-vector-store.js';
import { PgvectorStore } from '../../../../stores/vector/backends/pgvector/pgvector-store.js';
import { describeDocumentFlow } from './vector-flow.js';
import { captureLogger, type Connected, connect, dataOf, GateEmbedder, textOf } from './vector-harness.js';

describeDocumentFlow('memory', async () => new MemoryVectorStore());
describeDocumentFlow('pglite', async () => {
  const sql = await PgliteSql.open();
  await migrate(sql, MIGRATIONS);
  return new PgvectorStore(sql, { ownsSql: true });
});

const TOOLS = [
  'create_collection',
  'list_collections',
  'describe_collection',
  'drop_collection',
  'upsert_documents',
  'upsert_vectors',
  'query',
  'delete',
];

/** `n` one-chunk documents. */
const manyDocs = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `d${i}`, text: `Document ${i}.` }));

function expectToolError(result: CallToolResult, ...patterns: RegExp[]): void {
  expect(result.isError).toBe(true);
  for (const pattern of patterns) expect(textOf(result)).toMatch(pattern);
}

describe('vector server protocol', () => {
  let store: MemoryVectorStore;
  let server: Connected;
  beforeEach(async () => {
    store = new MemoryVectorStore();
    server = await connect(store);
    dataOf(await server.call('create_collection', { name: 'notes' }));
  });
  afterEach(async () => server.close());

  it('lists every tool with a schema, an output schema and honest annotations', async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(40);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.annotations?.openWorldHint).toBe(false);
    }
    const byName = new Map(tools.map((t) => [t.name, t.annotations]));
    expect(byName.get('query')).toMatchObject({ readOnlyHint: true });
    expect(byName.get('list_collections')).toMatchObject({ readOnlyHint: true });
    expect(byName.get('drop_collection')).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.get('delete')).toMatchObject({ destructiveHint: true, idempotentHint: true });
    expect(byName.get('upsert_documents')).toMatchObject({ readOnlyHint: false, idempotentHint: true });
    expect(byName.get('create_collection')).toMatchObject({ destructiveHint: false, idempotentHint: true });
    const query = tools.find((t) => t.name === 'query')!;
    expect(query.description).toMatch(/\$gte/);
    expect(Object.keys(query.inputSchema.properties!)).toEqual(
      expect.arrayContaining(['collection', 'text', 'vector', 'topK', 'filter', 'includeVectors']),
    );
  });

  it('sends increasing progress notifications when the client asks for them', async () => {
    const progress: { progress: number; total?: number }[] = [];
    const result = (await server.client.callTool(
      { name: 'upsert_documents', arguments: { collection: 'notes', documents: manyDocs(100) } },
      { onprogress: (p) => progress.push(p) },
    )) as CallToolResult;
    expect(dataOf(result)).toMatchObject({ documents: 100, chunks: 100, cancelled: false });
    expect(progress.map((p) => p.progress)).toEqual([32, 64, 96, 100]);
    expect(progress.every((p) => p.total === 100)).toBe(true);
    expect(EMBED_BATCH_SIZE).toBe(32);
  });

  it('stops an upsert cancelled by the client between batches and stays usable', async () => {
    const embedder = new GateEmbedder(new LocalEmbedder(), 1);
    const log = captureLogger();
    const gated = await connect(store, embedder, log.logger);
    try {
      const controller = new AbortController();
      const call = gated.client.callTool(
        { name: 'upsert_documents', arguments: { collection: 'notes', documents: manyDocs(100) } },
        { signal: controller.signal, onprogress: () => controller.abort(new Error('user cancelled')) },
      );
      await expect(call).rejects.toThrow(/user cancelled/);
      // A cancelled request gets no response; the server reports what it wrote in its log.
      const { report } = (await log.waitFor('upsert_documents cancelled')) as { report: { chunks: number } };
      expect(report).toMatchObject({ chunks: EMBED_BATCH_SIZE, cancelled: true });
      // The first batch was written and no batch after the cancellation was started.
      expect(await store.count('notes')).toBe(EMBED_BATCH_SIZE);
      expect(embedder.calls).toBeLessThanOrEqual(2);
      const after = dataOf<{ collections: string[] }>(await gated.call('list_collections'));
      expect(after.collections).toEqual(['notes']);
    } finally {
      await gated.close();
    }
  });

  it('aborts an embedding call in progress when the client cancels', async () => {
    const embedder = new GateEmbedder(new LocalEmbedder(), 0);
    const log = captureLogger();
    const gated = await connect(store, embedder, log.logger);
    try {
      const controller = new AbortController();
      const call = gated.client.callTool(
        { name: 'upsert_documents', arguments: { collection: 'notes', documents: manyDocs(3) } },
        { signal: controller.signal },
      );
      await embedder.held;
      controller.abort(new Error('user cancelled'));
      await expect(call).rejects.toThrow(/user cancelled/);
      const { report } = (await log.waitFor('upsert_documents cancelled')) as { report: unknown };
      expect(report).toMatchObject({ chunks: 0, incomplete: ['d0', 'd1', 'd2'] });
      expect(await store.count('notes')).toBe(0);
      expect(dataOf(await gated.call('describe_collection', { name: 'notes' }))).toMatchObject({ count: 0 });
    } finally {
      await gated.close();
    }
  });

  it("reports what was written when the server's cleanup stops an upsert", async () => {
    const embedder = new GateEmbedder(new LocalEmbedder(), 1);
    const gated = await connect(store, embedder);
    try {
      const result = await gated.client.callTool(
        { name: 'upsert_documents', arguments: { collection: 'notes', documents: manyDocs(40) } },
        { onprogress: () => void gated.created.cleanup() },
      );
      const report = dataOf<{ cancelled: boolean; chunks: number; incomplete: string[] }>(
        result as CallToolResult,
      );
      expect(report).toMatchObject({ cancelled: true, chunks: 32 });
      expect(report.incomplete).toEqual(
        manyDocs(40)
          .slice(32)
          .map((d) => d.id),
      );
    } finally {
      await gated.close();
    }
  });

  it('upserts raw vectors and refuses a vector of the wrong dimension with a hint', async () => {
    dataOf(await server.call('create_collection', { name: 'raw', dimension: 3 }));
    const ok = await server.call('upsert_vectors', {
      collection: 'raw',
      records: [{ id: 'a', vector: [1, 0, 0], metadata: { k: 1 }, document: 'x' }],
    });
    expect(dataOf(ok)).toEqual({ collection: 'raw', upserted: 1 });
    const bad = await server.call('upsert_vectors', {
      collection: 'raw',
      records: [{ id: 'b', vector: [1, 0] }],
    });
    expectToolError(bad, /dimension 3, received 2/, /describe_collection/);
    const byText = await server.call('upsert_documents', {
      collection: 'raw',
      documents: [{ id: 'd', text: 'hi' }],
    });
    expectToolError(byText, /dimension 3.*embedder.*384/, /upsert_vectors/);
    expect(await store.count('raw')).toBe(1);
  });

  it('answers bad calls with isError results a model can act on, and keeps answering', async () => {
    expectToolError(
      await server.call('query', { collection: 'nope', text: 'x' }),
      /'nope' does not exist/,
      /list_collections/,
    );
    expectToolError(
      await server.call('query', { collection: 'notes', text: 'x', filter: { year: { $foo: 1 } } }),
      /invalid filter at \$\.year\.\$foo/,
      /\$gte/,
    );
    expectToolError(
      await server.call('query', { collection: 'notes' }),
      /exactly one of `text`.*or `vector`/,
    );
    expectToolError(await server.call('delete', { collection: 'notes', filter: {} }), /drop_collection/);
    // SDK v2 answers an unknown tool with a JSON-RPC error (invalid params), as MCP specifies, not a result.
    await expect(server.call('no_such_tool', {})).rejects.toThrow(/no_such_tool not found/);
    expectToolError(
      await server.call('upsert_documents', {}),
      /Input validation error/,
      /collection/,
      /documents/,
    );
    expectToolError(await server.call('create_collection', { name: 'x' }), /3–63 letters/);
    expectToolError(
      await server.call('upsert_documents', {
        collection: 'notes',
        documents: [{ id: 'm', text: 'hi', metadata: { source_id: 'other' } }],
      }),
      /'source_id' is set by the server/,
    );
    expectToolError(
      await server.call('create_collection', { name: 'notes', dimension: 7 }),
      /exists with dimension 384/,
      /drop_collection/,
    );
    expect(dataOf<{ collections: string[] }>(await server.call('list_collections')).collections).toEqual([
      'notes',
    ]);
  });

  it('serves collections as JSON resources', async () => {
    dataOf(await server.call('upsert_documents', { collection: 'notes', documents: manyDocs(2) }));
    const all = await server.client.readResource({ uri: 'vector://collections' });
    expect(JSON.parse((all.contents[0] as { text: string }).text)).toEqual({
      collections: [{ name: 'notes', dimension: 384, metric: 'cosine', count: 2 }],
    });
    const one = await server.client.readResource({ uri: 'vector://collections/notes' });
    expect(JSON.parse((one.contents[0] as { text: string }).text)).toMatchObject({ name: 'notes', count: 2 });
    const listed = await server.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toEqual([
      'vector://collections',
      'vector://collections/notes',
    ]);
    await expect(server.client.readResource({ uri: 'vector://collections/missing' })).rejects.toThrow(
      /'missing' does not exist.*vector:\/\/collections/,
    );
  });

  it('offers a search prompt naming the collection and the query tool', async () => {
    const prompt = await server.client.getPrompt({
      name: 'search_collection',
      arguments: { collection: 'notes', question: 'who wins?' },
    });
    const content = prompt.messages[0]!.content;
    expect(content.type === 'text' && content.text).toMatch(/"notes".*who wins\?[\s\S]*query tool/);
  });
});
