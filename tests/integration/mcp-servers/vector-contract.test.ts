import { expect } from 'vitest';
import { runMcpContract } from '../../support/mcp-contract.js';

interface Match {
  id: string;
  metadata: Record<string, unknown>;
}

// The vector server through `switchyard server vector` on the exact in-memory backend and the
// offline local embedder: what is checked here is the server's MCP surface, not a backend.
runMcpContract('vector', {
  env: () => ({ SWITCHYARD_VECTOR_BACKEND: 'memory' }),
  tools: {
    create_collection: {
      valid: [
        {
          arguments: { name: 'docs' },
          check: (r) => expect(r.structuredContent).toMatchObject({ dimension: 384 }),
        },
        { arguments: { name: 'vecs', dimension: 3, metric: 'l2' } },
      ],
      invalid: [
        { arguments: { name: 'x' }, error: /collection name/ },
        { arguments: { name: 'docs', dimension: 3 }, error: /drop_collection|different|exists/i },
        { arguments: { name: 'other', dimension: 0 }, error: /dimension/ },
      ],
    },
    list_collections: {
      valid: [
        {
          arguments: {},
          check: (r) => expect(r.structuredContent).toEqual({ collections: ['docs', 'vecs'] }),
        },
      ],
      invalid: [],
      noInvalidInput: 'it takes no arguments',
    },
    describe_collection: {
      valid: [
        {
          arguments: { name: 'vecs' },
          check: (r) => expect(r.structuredContent).toMatchObject({ metric: 'l2' }),
        },
      ],
      invalid: [{ arguments: { name: 'missing' }, error: /does not exist.*list_collections/ }],
    },
    upsert_documents: {
      valid: [
        {
          arguments: {
            collection: 'docs',
            documents: [
              { id: 'cat', text: 'The cat sat on the mat and purred.', metadata: { lang: 'en' } },
              { id: 'markets', text: 'Stock markets fell sharply on Monday.', metadata: { lang: 'en' } },
            ],
          },
          check: (r) => expect(r.structuredContent).toMatchObject({ documents: 2, cancelled: false }),
        },
      ],
      invalid: [
        { arguments: { collection: 'docs', documents: [] }, error: /documents/ },
        {
          arguments: { collection: 'missing', documents: [{ id: 'a', text: 'x' }] },
          error: /does not exist/,
        },
        { arguments: { collection: 'vecs', documents: [{ id: 'a', text: 'x' }] }, error: /dimension/ },
      ],
    },
    upsert_vectors: {
      valid: [
        {
          arguments: {
            collection: 'vecs',
            records: [
              { id: 'v1', vector: [1, 0, 0] },
              { id: 'v2', vector: [0, 1, 0] },
            ],
          },
          check: (r) => expect(r.structuredContent).toEqual({ collection: 'vecs', upserted: 2 }),
        },
      ],
      invalid: [
        { arguments: { collection: 'vecs', records: [{ id: 'v3', vector: [1, 0] }] }, error: /dimension/ },
      ],
    },
    query: {
      valid: [
        {
          arguments: { collection: 'docs', text: 'a cat on the mat', topK: 1 },
          check: (r) => {
            const [best] = (r.structuredContent as { matches: Match[] }).matches;
            expect(best?.metadata.source_id).toBe('cat');
          },
        },
        {
          arguments: { collection: 'vecs', vector: [0.9, 0.1, 0], topK: 1 },
          check: (r) => expect((r.structuredContent as { matches: Match[] }).matches[0]?.id).toBe('v1'),
        },
      ],
      invalid: [
        { arguments: { collection: 'docs' }, error: /exactly one of `text`/ },
        { arguments: { collection: 'docs', text: 'x', filter: { lang: { $regex: 'e' } } }, error: /\$regex/ },
        { arguments: { collection: 'docs', text: 'x', topK: 0 }, error: /topK/ },
      ],
    },
    delete: {
      valid: [
        {
          arguments: { collection: 'docs', ids: ['markets'] },
          check: (r) => expect((r.structuredContent as { deleted: number }).deleted).toBeGreaterThan(0),
        },
      ],
      invalid: [
        { arguments: { collection: 'docs', filter: {} }, error: /empty.*drop_collection/ },
        { arguments: { collection: 'docs' }, error: /exactly one of `ids`/ },
      ],
    },
    drop_collection: {
      valid: [
        {
          arguments: { name: 'vecs' },
          check: (r) => expect(r.structuredContent).toEqual({ name: 'vecs', dropped: true }),
        },
      ],
      invalid: [{ arguments: { name: 'a' }, error: /collection name/ }],
    },
  },
  resourceTemplates: ['vector://collections/{name}'],
  resources: [
    { uri: 'vector://collections', check: (r) => expect(JSON.stringify(r.contents)).toContain('docs') },
    { uri: 'vector://collections/docs', check: (r) => expect(JSON.stringify(r.contents)).toContain('384') },
  ],
  prompts: [
    { name: 'search_collection', arguments: { collection: 'docs', question: 'Who sat on the mat?' } },
  ],
});
