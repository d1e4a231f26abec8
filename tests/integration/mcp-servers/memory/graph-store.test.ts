import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readGraph, openNodes, searchNodes } from '../../../../mcp-servers/memory/graph-reads.js';
import { EntityNotFoundError } from '../../../../mcp-servers/memory/graph-types.js';
import {
  addObservations,
  createEntities,
  createRelations,
  deleteEntities,
} from '../../../../mcp-servers/memory/graph-writes.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { SQL_TARGETS, uniqueSchema } from '../../../support/sql-targets.js';

const entity = (name: string, observations: string[] = []) => ({ name, entityType: 'thing', observations });

describe.each(SQL_TARGETS)('the memory graph on $name', (target) => {
  let schema: string;
  let sql: Sql;
  beforeEach(async () => {
    schema = uniqueSchema('memgraph');
    sql = await target.open(schema);
    await migrate(sql, MIGRATIONS);
  });
  afterEach(async () => {
    await sql.close();
    await target.cleanup(schema);
  });

  it('keeps observations in insertion order and unique, including long ones', async () => {
    const long = 'x'.repeat(10_000); // past a btree entry's limit: the unique index is on md5
    await createEntities(sql, [entity('a', ['one', long])]);
    await addObservations(sql, [{ entityName: 'a', contents: [long, 'two', 'one'] }]);
    const graph = await readGraph(sql);
    expect(graph.entities).toEqual([entity('a', ['one', long, 'two'])]);
  });

  it('rolls back every addition when one entity is missing', async () => {
    await createEntities(sql, [entity('a')]);
    await expect(
      addObservations(sql, [
        { entityName: 'a', contents: ['kept?'] },
        { entityName: 'missing', contents: ['x'] },
      ]),
    ).rejects.toBeInstanceOf(EntityNotFoundError);
    expect((await readGraph(sql)).entities).toEqual([entity('a')]);
  });

  it('opens nodes with relations touching them and searches non-ASCII text like JavaScript', async () => {
    await createEntities(sql, [entity('Zoë', ['ÉTÉ']), entity('b')]);
    await createRelations(sql, [
      { from: 'Zoë', to: 'ghost', relationType: 'r' },
      { from: 'b', to: 'c', relationType: 'r' },
    ]);
    expect((await openNodes(sql, ['Zoë', 'nobody'])).relations).toEqual([
      { from: 'Zoë', to: 'ghost', relationType: 'r' },
    ]);
    expect((await searchNodes(sql, 'été')).entities.map((e) => e.name)).toEqual(['Zoë']);
  });

  it('reports the index records a delete removes', async () => {
    await createEntities(sql, [entity('a', ['o1', 'o2'])]);
    const { change } = await deleteEntities(sql, ['a']);
    expect(change.remove).toHaveLength(3);
    expect(change.remove.filter((id) => id.startsWith('observation:'))).toHaveLength(2);
  });
});

const postgres = SQL_TARGETS.find((t) => t.name === 'postgres');

describe.runIf(postgres)('the memory graph with two connections writing at once (PostgreSQL)', () => {
  const target = postgres!;
  let schema: string;
  let one: Sql;
  let two: Sql;
  beforeEach(async () => {
    schema = uniqueSchema('memconc');
    one = await target.open(schema);
    two = await target.open(schema);
    await Promise.all([migrate(one, MIGRATIONS), migrate(two, MIGRATIONS)]);
  });
  afterEach(async () => {
    await Promise.all([one.close(), two.close()]);
    await target.cleanup(schema);
  });

  it('creates each entity, observation and relation exactly once', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `e${i}`);
    for (let round = 0; round < 5; round++) {
      const entities = names.map((name) => entity(name, [`fact ${round}`]));
      const [a, b] = await Promise.all([
        createEntities(one, entities),
        createEntities(two, [...entities].reverse()),
      ]);
      // Each name is created by exactly one of the two writers (in the first round), never by both.
      expect(a.result.length + b.result.length).toBe(round === 0 ? names.length : 0);
      const additions = names.map((entityName) => ({
        entityName,
        contents: [`shared ${round}`, `fact ${round}`],
      }));
      const [x, y] = await Promise.all([addObservations(one, additions), addObservations(two, additions)]);
      const added = [...x.result, ...y.result].flatMap((r) => r.addedObservations);
      expect(added.filter((o) => o === `shared ${round}`)).toHaveLength(names.length);
      const relations = names.map((from, i) => ({
        from,
        to: names[(i + 1) % names.length]!,
        relationType: 'next',
      }));
      await Promise.all([createRelations(one, relations), createRelations(two, relations)]);
    }
    const graph = await readGraph(one);
    expect(graph.entities.map((e) => e.name).sort()).toEqual([...names].sort());
    for (const e of graph.entities) expect(new Set(e.observations).size).toBe(e.observations.length);
    expect(graph.relations).toHaveLength(names.length);
  });

  it('never half-applies add_observations racing a delete of the same entity', async () => {
    for (let round = 0; round < 10; round++) {
      await createEntities(one, [entity('target')]);
      const [added] = await Promise.allSettled([
        addObservations(two, [{ entityName: 'target', contents: ['late'] }]),
        deleteEntities(one, ['target']),
      ]);
      // Either it ran before the delete (then was deleted with it) or it saw no entity: no FK error.
      if (added.status === 'rejected') expect(added.reason).toBeInstanceOf(EntityNotFoundError);
      expect(await readGraph(one)).toEqual({ entities: [], relations: [] });
    }
  });
});
