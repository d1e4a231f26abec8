import type { Sql, SqlExecutor } from '#stores/sql';
import {
  type Entity,
  entityItem,
  EntityNotFoundError,
  type IndexChange,
  observationItem,
  type Relation,
} from './graph-types.js';
import { lockNames } from './name-locks.js';

/**
 * The graph's writes, each one transaction that first locks the names it touches (./name-locks.ts). Concurrency: every insert is an
 * `INSERT … ON CONFLICT DO NOTHING RETURNING`, so of two processes creating the same entity,
 * relation or observation at once exactly one creates it and both end with one row; nothing is
 * read, changed in memory and written back. Results follow the reference server: what was
 * actually added, in input order.
 */
export interface WriteResult<T> {
  result: T;
  change: IndexChange;
}

export async function createEntities(sql: Sql, entities: Entity[]): Promise<WriteResult<Entity[]>> {
  return sql.transaction(async (tx) => {
    await lockNames(
      tx,
      entities.map((e) => e.name),
    );
    const created: Entity[] = [];
    const change: IndexChange = { upsert: [], remove: [] };
    for (const entity of entities) {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO memory_entities (name, entity_type) VALUES ($1, $2)
         ON CONFLICT (name) DO NOTHING RETURNING id::text AS id`,
        [entity.name, entity.entityType],
      );
      const row = rows[0];
      // An existing entity is left as it is, observations too (the reference does the same).
      if (!row) continue;
      change.upsert.push(entityItem(row.id, entity.name, entity.entityType));
      const added = await insertObservations(tx, row.id, entity.observations);
      for (const { id, content } of added)
        change.upsert.push(observationItem(id, entity.name, entity.entityType, content));
      created.push({
        name: entity.name,
        entityType: entity.entityType,
        observations: added.map((o) => o.content),
      });
    }
    return { result: created, change };
  });
}

export async function createRelations(sql: Sql, relations: Relation[]): Promise<WriteResult<Relation[]>> {
  return sql.transaction(async (tx) => {
    await lockNames(
      tx,
      relations.flatMap((r) => [r.from, r.to]),
    );
    const created: Relation[] = [];
    // One row at a time, so identity ids (read_graph's order) follow the input order.
    for (const relation of relations) {
      const { rowCount } = await tx.query(
        `INSERT INTO memory_relations (from_name, to_name, relation_type) VALUES ($1, $2, $3)
         ON CONFLICT (from_name, to_name, relation_type) DO NOTHING RETURNING id`,
        [relation.from, relation.to, relation.relationType],
      );
      if (rowCount > 0)
        created.push({ from: relation.from, to: relation.to, relationType: relation.relationType });
    }
    return { result: created, change: { upsert: [], remove: [] } };
  });
}

export interface ObservationAddition {
  entityName: string;
  contents: string[];
}

export interface ObservationsAdded {
  entityName: string;
  addedObservations: string[];
}

/** All or nothing: a missing entity fails the call and nothing is added, as in the reference. */
export async function addObservations(
  sql: Sql,
  additions: ObservationAddition[],
): Promise<WriteResult<ObservationsAdded[]>> {
  return sql.transaction(async (tx) => {
    await lockNames(
      tx,
      additions.map((a) => a.entityName),
    );
    const results: ObservationsAdded[] = [];
    const change: IndexChange = { upsert: [], remove: [] };
    for (const { entityName, contents } of additions) {
      // FOR SHARE: a concurrent delete_entities waits for this transaction instead of
      // removing the entity between this check and the inserts.
      const { rows } = await tx.query<{ id: string; entity_type: string }>(
        'SELECT id::text AS id, entity_type FROM memory_entities WHERE name = $1 FOR SHARE',
        [entityName],
      );
      const entity = rows[0];
      if (!entity) throw new EntityNotFoundError(entityName);
      const added = await insertObservations(tx, entity.id, contents);
      for (const { id, content } of added)
        change.upsert.push(observationItem(id, entityName, entity.entity_type, content));
      results.push({ entityName, addedObservations: added.map((o) => o.content) });
    }
    return { result: results, change };
  });
}

/** Inserts in order, skipping contents the entity has; returns what was added. */
export async function insertObservations(
  tx: SqlExecutor,
  entityId: string,
  contents: readonly string[],
): Promise<{ id: string; content: string }[]> {
  const added: { id: string; content: string }[] = [];
  for (const content of contents) {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO memory_observations (entity_id, content) VALUES ($1, $2)
       ON CONFLICT (entity_id, md5(content)) DO NOTHING RETURNING id::text AS id`,
      [entityId, content],
    );
    if (rows[0]) added.push({ id: rows[0].id, content });
  }
  return added;
}

/** Deletes the entities, their observations and every relation that names them (existing or not). */
export async function deleteEntities(sql: Sql, names: string[]): Promise<WriteResult<void>> {
  return sql.transaction(async (tx) => {
    await lockNames(tx, names);
    const observations = await tx.query<{ id: string }>(
      `DELETE FROM memory_observations WHERE entity_id IN
         (SELECT id FROM memory_entities WHERE name = ANY($1::text[])) RETURNING id::text AS id`,
      [names],
    );
    const entities = await tx.query<{ id: string }>(
      'DELETE FROM memory_entities WHERE name = ANY($1::text[]) RETURNING id::text AS id',
      [names],
    );
    await tx.query(
      'DELETE FROM memory_relations WHERE from_name = ANY($1::text[]) OR to_name = ANY($1::text[])',
      [names],
    );
    const remove = [
      ...entities.rows.map((row) => `entity:${row.id}`),
      ...observations.rows.map((row) => `observation:${row.id}`),
    ];
    return { result: undefined, change: { upsert: [], remove } };
  });
}

export interface ObservationDeletion {
  entityName: string;
  observations: string[];
}

/** A missing entity or observation is skipped silently, as in the reference. */
export async function deleteObservations(
  sql: Sql,
  deletions: ObservationDeletion[],
): Promise<WriteResult<void>> {
  return sql.transaction(async (tx) => {
    await lockNames(
      tx,
      deletions.map((d) => d.entityName),
    );
    const remove: string[] = [];
    for (const { entityName, observations } of deletions) {
      const { rows } = await tx.query<{ id: string }>(
        `DELETE FROM memory_observations o USING memory_entities e
         WHERE o.entity_id = e.id AND e.name = $1 AND o.content = ANY($2::text[]) RETURNING o.id::text AS id`,
        [entityName, observations],
      );
      remove.push(...rows.map((row) => `observation:${row.id}`));
    }
    return { result: undefined, change: { upsert: [], remove } };
  });
}

export async function deleteRelations(sql: Sql, relations: Relation[]): Promise<WriteResult<void>> {
  return sql.transaction(async (tx) => {
    await lockNames(
      tx,
      relations.flatMap((r) => [r.from, r.to]),
    );
    for (const relation of relations) {
      await tx.query(
        'DELETE FROM memory_relations WHERE from_name = $1 AND to_name = $2 AND relation_type = $3',
        [relation.from, relation.to, relation.relationType],
      );
    }
    return { result: undefined, change: { upsert: [], remove: [] } };
  });
}
