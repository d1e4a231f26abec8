import type { SqlExecutor } from '#stores/sql';
import { GraphSchema, type KnowledgeGraph } from './graph-types.js';

/**
 * One statement builds the whole answer as JSON, so entities and relations come from one snapshot
 * even while other processes write. `json` (not `jsonb`) keeps the keys in the reference server's
 * order; identity ids give its insertion order.
 */
function graphQuery(entityWhere: string, relationWhere: string): string {
  return `
    SELECT
      coalesce((
        SELECT json_agg(json_build_object(
                 'name', e.name,
                 'entityType', e.entity_type,
                 'observations', coalesce(
                   (SELECT json_agg(o.content ORDER BY o.id) FROM memory_observations o WHERE o.entity_id = e.id),
                   '[]'::json)
               ) ORDER BY e.id)
        FROM memory_entities e WHERE ${entityWhere}
      ), '[]'::json) AS entities,
      coalesce((
        SELECT json_agg(json_build_object('from', r.from_name, 'to', r.to_name, 'relationType', r.relation_type)
                        ORDER BY r.id)
        FROM memory_relations r WHERE ${relationWhere}
      ), '[]'::json) AS relations`;
}

async function runGraphQuery(
  sql: SqlExecutor,
  text: string,
  params: readonly unknown[] = [],
): Promise<KnowledgeGraph> {
  const { rows } = await sql.query<{ entities: unknown; relations: unknown }>(text, params);
  // Both drivers parse `json` columns; zod checks the shape and puts keys in the schema's order.
  return GraphSchema.parse(rows[0] ?? { entities: [], relations: [] });
}

/** The whole graph, as read_graph returns it. */
export function readGraph(sql: SqlExecutor): Promise<KnowledgeGraph> {
  return runGraphQuery(sql, graphQuery('true', 'true'));
}

/**
 * The named entities that exist, and every relation with at least one of them as an endpoint
 * (the reference server's open_nodes since 2025).
 */
export function openNodes(sql: SqlExecutor, names: readonly string[]): Promise<KnowledgeGraph> {
  const existing = 'SELECT name FROM memory_entities WHERE name = ANY($1::text[])';
  return runGraphQuery(
    sql,
    graphQuery('e.name = ANY($1::text[])', `r.from_name IN (${existing}) OR r.to_name IN (${existing})`),
    [names],
  );
}

/**
 * Case-insensitive substring search over names, types and observations, with the relations that
 * touch a match. Filtered in JavaScript on purpose: `toLowerCase` is what the reference uses, and
 * PostgreSQL's `lower()` folds only ASCII under the C locale PGlite runs with.
 */
export async function searchNodes(sql: SqlExecutor, query: string): Promise<KnowledgeGraph> {
  const graph = await readGraph(sql);
  const needle = query.toLowerCase();
  const entities = graph.entities.filter(
    (e) =>
      e.name.toLowerCase().includes(needle) ||
      e.entityType.toLowerCase().includes(needle) ||
      e.observations.some((o) => o.toLowerCase().includes(needle)),
  );
  const names = new Set(entities.map((e) => e.name));
  const relations = graph.relations.filter((r) => names.has(r.from) || names.has(r.to));
  return { entities, relations };
}
