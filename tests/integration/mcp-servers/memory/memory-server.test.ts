import type { ReadResourceResult } from '@modelcontextprotocol/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KnowledgeGraph } from '../../../../mcp-servers/memory/graph-types.js';
import { type ConnectedMemory, connectMemory, dataOf, textOf } from './memory-harness.js';

/** The text of a resource's first content. */
function contentText(result: ReadResourceResult): string {
  const first = result.contents[0];
  return first && 'text' in first ? first.text : '';
}

const alice = { name: 'Alice', entityType: 'person', observations: ['works at Acme', 'likes tea'] };
const acme = { name: 'Acme', entityType: 'company', observations: ['makes anvils'] };

describe('memory server (PGlite, in-memory transport)', () => {
  let m: ConnectedMemory;
  beforeEach(async () => {
    m = await connectMemory();
  });
  afterEach(async () => {
    await m.close();
  });

  it('creates entities once and returns only the new ones, in input order', async () => {
    expect(dataOf(await m.call('create_entities', { entities: [alice, acme] }))).toEqual({
      entities: [alice, acme],
    });
    const again = await m.call('create_entities', { entities: [{ ...alice, observations: ['other'] }] });
    expect(dataOf(again)).toEqual({ entities: [] });
    expect(textOf(again)).toBe('[]');
    expect(dataOf<KnowledgeGraph>(await m.call('read_graph')).entities).toEqual([alice, acme]);
  });

  it('keeps creation order after a delete and re-create, like the reference file', async () => {
    await m.call('create_entities', { entities: [alice, acme] });
    await m.call('delete_entities', { entityNames: ['Alice'] });
    await m.call('create_entities', { entities: [alice] });
    const graph = dataOf<KnowledgeGraph>(await m.call('read_graph'));
    expect(graph.entities.map((e) => e.name)).toEqual(['Acme', 'Alice']);
  });

  it('adds only missing observations and refuses the whole call for a missing entity', async () => {
    await m.call('create_entities', { entities: [alice] });
    const added = await m.call('add_observations', {
      observations: [{ entityName: 'Alice', contents: ['likes tea', 'plays chess'] }],
    });
    expect(dataOf(added)).toEqual({ results: [{ entityName: 'Alice', addedObservations: ['plays chess'] }] });
    const missing = await m.call('add_observations', {
      observations: [
        { entityName: 'Alice', contents: ['runs'] },
        { entityName: 'Bob', contents: ['x'] },
      ],
    });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toBe('Entity with name Bob not found');
    const graph = dataOf<KnowledgeGraph>(await m.call('open_nodes', { names: ['Alice'] }));
    expect(graph.entities[0]?.observations).toEqual(['works at Acme', 'likes tea', 'plays chess']);
  });

  it('deletes an entity with the relations that name it, and relations to missing entities are allowed', async () => {
    await m.call('create_entities', { entities: [alice, acme] });
    const rels = [
      { from: 'Alice', to: 'Acme', relationType: 'works_at' },
      { from: 'Acme', to: 'Ghost', relationType: 'owes' },
    ];
    expect(dataOf(await m.call('create_relations', { relations: [...rels, rels[0]] }))).toEqual({
      relations: rels,
    });
    const deleted = await m.call('delete_entities', { entityNames: ['Alice'] });
    expect(dataOf(deleted)).toEqual({ success: true, message: 'Entities deleted successfully' });
    expect(dataOf<KnowledgeGraph>(await m.call('read_graph')).relations).toEqual([rels[1]]);
  });

  it('searches case-insensitively and returns relations touching a match', async () => {
    await m.call('create_entities', { entities: [alice, acme] });
    await m.call('create_relations', {
      relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }],
    });
    const found = dataOf<KnowledgeGraph>(await m.call('search_nodes', { query: 'ANVIL' }));
    expect(found.entities.map((e) => e.name)).toEqual(['Acme']);
    expect(found.relations).toHaveLength(1);
  });

  it('deletes observations and relations by exact match', async () => {
    await m.call('create_entities', { entities: [alice] });
    await m.call('create_relations', {
      relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }],
    });
    await m.call('delete_observations', {
      deletions: [{ entityName: 'Alice', observations: ['likes tea', 'nope'] }],
    });
    await m.call('delete_relations', {
      relations: [{ from: 'Alice', to: 'Acme', relationType: 'works_at' }],
    });
    expect(dataOf(await m.call('read_graph'))).toEqual({
      entities: [{ ...alice, observations: ['works at Acme'] }],
      relations: [],
    });
  });

  it('walks the neighbourhood by depth and direction', async () => {
    const node = (name: string) => ({ name, entityType: 'n', observations: [] });
    await m.call('create_entities', { entities: ['a', 'b', 'c', 'd'].map(node) });
    await m.call('create_relations', {
      relations: [
        { from: 'a', to: 'b', relationType: 'r' },
        { from: 'b', to: 'c', relationType: 'r' },
        { from: 'd', to: 'a', relationType: 'r' },
      ],
    });
    type Related = KnowledgeGraph & { distances: Record<string, number> };
    const one = dataOf<Related>(await m.call('get_related', { name: 'a' }));
    expect(one.distances).toEqual({ a: 0, b: 1, d: 1 });
    const out = dataOf<Related>(await m.call('get_related', { name: 'a', depth: 2, direction: 'outgoing' }));
    expect(out.distances).toEqual({ a: 0, b: 1, c: 2 });
    expect(out.relations).toHaveLength(2);
    const incoming = dataOf<Related>(await m.call('get_related', { name: 'a', direction: 'incoming' }));
    expect(Object.keys(incoming.distances)).toEqual(['a', 'd']);
    const missing = await m.call('get_related', { name: 'zzz' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/not found.*search_nodes/);
  });

  it('finds observations by meaning, filtered by entity type, and forgets deleted ones', async () => {
    await m.call('create_entities', { entities: [alice, acme] });
    type Matches = { matches: { entityName: string; kind: string; observation?: string }[] };
    const found = dataOf<Matches>(await m.call('semantic_search', { query: 'anvils', topK: 1 }));
    expect(found.matches[0]).toMatchObject({ entityName: 'Acme', observation: 'makes anvils' });
    const people = dataOf<Matches>(
      await m.call('semantic_search', { query: 'anvils', entityTypes: ['person'] }),
    );
    expect(people.matches.every((x) => x.entityName === 'Alice')).toBe(true);
    await m.call('delete_entities', { entityNames: ['Acme'] });
    const after = dataOf<Matches>(await m.call('semantic_search', { query: 'anvils' }));
    expect(after.matches.some((x) => x.entityName === 'Acme')).toBe(false);
  });

  it('refills an empty semantic index from SQL', async () => {
    await m.call('create_entities', { entities: [acme] });
    await m.store.dropCollection('memory-graph');
    const other = await connectMemory({ sql: m.sql });
    try {
      type Matches = { matches: { entityName: string }[] };
      const found = dataOf<Matches>(await other.call('semantic_search', { query: 'anvils', topK: 1 }));
      expect(found.matches[0]?.entityName).toBe('Acme');
    } finally {
      await other.close();
    }
  });

  it('imports a reference memory file, merging and reporting progress', async () => {
    await m.call('create_entities', { entities: [alice] });
    const lines = [
      JSON.stringify({ type: 'entity', ...alice, observations: ['likes tea', 'new fact'] }),
      JSON.stringify({ type: 'entity', ...acme }),
      JSON.stringify({ type: 'relation', from: 'Alice', to: 'Acme', relationType: 'works_at' }),
      JSON.stringify({ type: 'other' }),
    ];
    const progress: number[] = [];
    const result = await m.client.callTool(
      { name: 'import_memory_file', arguments: { text: lines.join('\n') } },
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(result.structuredContent).toEqual({
      lines: 3,
      skipped: 1,
      entitiesCreated: 1,
      observationsAdded: 2,
      relationsCreated: 1,
      cancelled: false,
    });
    expect(progress).toEqual([3]);
    const graph = dataOf<KnowledgeGraph>(await m.call('read_graph'));
    expect(graph.entities[0]?.observations).toEqual([...alice.observations, 'new fact']);
  });

  it('refuses a bad import without writing anything, naming the line', async () => {
    const text = `${JSON.stringify({ type: 'entity', ...acme })}\n{"type":"entity","name":1}`;
    const result = await m.call('import_memory_file', { text });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/line 2.*valid entity/);
    const both = await m.call('import_memory_file', { text: '', path: '/x' });
    expect(textOf(both)).toMatch(/exactly one of/);
    expect(dataOf<KnowledgeGraph>(await m.call('read_graph')).entities).toEqual([]);
  });

  it('serves the graph and one entity as resources', async () => {
    await m.call('create_entities', { entities: [alice] });
    const graph = await m.client.readResource({ uri: 'memory://graph' });
    expect(JSON.parse(contentText(graph))).toMatchObject({ entities: [alice] });
    const entity = await m.client.readResource({ uri: 'memory://entities/Alice' });
    expect(JSON.parse(contentText(entity)).entities).toEqual([alice]);
    await expect(m.client.readResource({ uri: 'memory://entities/Nobody' })).rejects.toThrow(/not found/);
  });
});
