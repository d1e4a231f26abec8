import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { runMcpContract } from '../../support/mcp-contract.js';

interface Graph {
  entities: { name: string; observations: string[] }[];
  relations: unknown[];
}

const graphOf = (r: { structuredContent?: unknown }) => r.structuredContent as Graph;

// A reference-format memory file for import_memory_file, outside the server's temporary home and
// inside its filesystem roots (import_memory_file reads a path only there).
const dir = mkdtempSync(join(tmpdir(), 'switchyard-memory-contract-'));
const MEMORY_FILE = join(dir, 'memory.jsonl');
writeFileSync(
  MEMORY_FILE,
  `${JSON.stringify({ type: 'entity', name: 'Imported', entityType: 'note', observations: ['from a file'] })}\n`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The memory server through `switchyard server memory` on PGlite under the temporary home, with the
// exact in-memory vector backend and the offline local embedder.
runMcpContract('memory', {
  env: () => ({ SWITCHYARD_VECTOR_BACKEND: 'memory', SWITCHYARD_FS_ROOTS: dir }),
  tools: {
    create_entities: {
      valid: [
        {
          arguments: {
            entities: [
              { name: 'Alice', entityType: 'person', observations: ['likes tea'] },
              { name: 'Acme', entityType: 'company', observations: ['makes anvils'] },
            ],
          },
          check: (r) => expect(graphOf(r).entities).toHaveLength(2),
        },
      ],
      invalid: [{ arguments: { entities: [{ name: 'x' }] }, error: /entityType/ }],
    },
    create_relations: {
      valid: [{ arguments: { relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }] } }],
      invalid: [{ arguments: { relations: [{ from: 'Alice' }] }, error: /relationType/ }],
    },
    add_observations: {
      valid: [
        {
          arguments: { observations: [{ entityName: 'Alice', contents: ['plays chess'] }] },
          check: (r) =>
            expect(r.structuredContent).toEqual({
              results: [{ entityName: 'Alice', addedObservations: ['plays chess'] }],
            }),
        },
      ],
      invalid: [
        {
          arguments: { observations: [{ entityName: 'Nobody', contents: ['x'] }] },
          error: /Entity with name Nobody not found/,
        },
      ],
    },
    read_graph: {
      valid: [
        {
          arguments: {},
          check: (r) => expect(graphOf(r).entities.map((e) => e.name)).toEqual(['Alice', 'Acme']),
        },
      ],
      invalid: [],
      noInvalidInput: 'it takes no arguments',
    },
    search_nodes: {
      valid: [
        {
          arguments: { query: 'ANVIL' },
          check: (r) => expect(graphOf(r).entities.map((e) => e.name)).toEqual(['Acme']),
        },
      ],
      invalid: [{ arguments: { query: 3 }, error: /query/ }],
    },
    open_nodes: {
      valid: [
        { arguments: { names: ['Alice'] }, check: (r) => expect(graphOf(r).relations).toHaveLength(1) },
      ],
      invalid: [{ arguments: { names: 'Alice' }, error: /names/ }],
    },
    semantic_search: {
      valid: [
        {
          arguments: { query: 'anvils', topK: 1 },
          check: (r) => expect(JSON.stringify(r.structuredContent)).toContain('makes anvils'),
        },
      ],
      invalid: [
        { arguments: { query: '' }, error: /query/ },
        { arguments: { query: 'x', topK: 0 }, error: /topK/ },
      ],
    },
    get_related: {
      valid: [
        {
          arguments: { name: 'Alice', depth: 2 },
          check: (r) => expect(r.structuredContent).toMatchObject({ distances: { Alice: 0, Acme: 1 } }),
        },
      ],
      invalid: [
        { arguments: { name: 'Nobody' }, error: /not found.*search_nodes/ },
        { arguments: { name: 'Alice', direction: 'sideways' }, error: /direction/ },
      ],
    },
    import_memory_file: {
      valid: [
        {
          arguments: { path: MEMORY_FILE },
          check: (r) => expect(r.structuredContent).toMatchObject({ lines: 1, entitiesCreated: 1 }),
        },
      ],
      invalid: [
        { arguments: { path: 'relative.jsonl' }, error: /absolute/ },
        { arguments: { path: '/etc/passwd' }, error: /not a readable file inside the allowed directories/ },
        { arguments: { text: 'not json' }, error: /line 1 is not JSON/ },
        { arguments: {}, error: /exactly one of/ },
      ],
    },
    delete_observations: {
      valid: [{ arguments: { deletions: [{ entityName: 'Alice', observations: ['likes tea'] }] } }],
      invalid: [{ arguments: { deletions: [{ entityName: 'Alice' }] }, error: /observations/ }],
    },
    delete_relations: {
      valid: [{ arguments: { relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }] } }],
      invalid: [{ arguments: { relations: 'all' }, error: /relations/ }],
    },
    delete_entities: {
      valid: [
        {
          arguments: { entityNames: ['Acme'] },
          check: (r) =>
            expect(r.structuredContent).toEqual({ success: true, message: 'Entities deleted successfully' }),
        },
      ],
      invalid: [{ arguments: { entityNames: [1] }, error: /entityNames/ }],
    },
  },
  resourceTemplates: ['memory://entities/{name}'],
  resources: [
    { uri: 'memory://graph', check: (r) => expect(JSON.stringify(r.contents)).toContain('Alice') },
    {
      uri: 'memory://entities/Alice',
      check: (r) => expect(JSON.stringify(r.contents)).toContain('plays chess'),
    },
  ],
});
