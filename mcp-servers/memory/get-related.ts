import type { Sql } from '#stores/sql';
import { EntityNotFoundError, type KnowledgeGraph, type Relation } from './graph-types.js';
import { openNodes } from './graph-reads.js';

export type Direction = 'outgoing' | 'incoming' | 'both';

export interface RelatedRequest {
  name: string;
  depth: number;
  direction: Direction;
  relationTypes?: string[];
  /** Stops the walk when this many entities were reached. */
  maxEntities: number;
}

export interface RelatedGraph extends KnowledgeGraph {
  /** Hops from the start entity to each entity reached (the start is 0). */
  distances: Record<string, number>;
  truncated: boolean;
}

/**
 * Breadth-first walk from one entity over relations, `depth` hops at most, one query per hop,
 * all in one repeatable-read transaction so the hops see one snapshot of the graph.
 */
export async function getRelated(sql: Sql, request: RelatedRequest): Promise<RelatedGraph> {
  return sql.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const start = await tx.query('SELECT 1 FROM memory_entities WHERE name = $1', [request.name]);
    if (start.rowCount === 0) throw new EntityNotFoundError(request.name);
    const distances = new Map<string, number>([[request.name, 0]]);
    const relations = new Map<string, Relation>();
    let frontier = [request.name];
    let truncated = false;
    for (let hop = 1; hop <= request.depth && frontier.length > 0 && !truncated; hop++) {
      const { rows } = await tx.query<{ from_name: string; to_name: string; relation_type: string }>(
        `SELECT from_name, to_name, relation_type FROM memory_relations
         WHERE (($2 <> 'incoming' AND from_name = ANY($1::text[])) OR ($2 <> 'outgoing' AND to_name = ANY($1::text[])))
           AND ($3::text[] IS NULL OR relation_type = ANY($3::text[]))
         ORDER BY id`,
        [frontier, request.direction, request.relationTypes ?? null],
      );
      const next: string[] = [];
      for (const row of rows) {
        relations.set(JSON.stringify([row.from_name, row.to_name, row.relation_type]), {
          from: row.from_name,
          to: row.to_name,
          relationType: row.relation_type,
        });
        for (const neighbour of [row.from_name, row.to_name]) {
          if (distances.has(neighbour)) continue;
          if (distances.size >= request.maxEntities) {
            truncated = true;
            continue;
          }
          distances.set(neighbour, hop);
          next.push(neighbour);
        }
      }
      frontier = next;
    }
    // Relations may name entities that do not exist (the reference allows it): only existing ones are listed.
    const { entities } = await openNodes(tx, [...distances.keys()]);
    const reached = new Set(distances.keys());
    return {
      entities,
      relations: [...relations.values()].filter((r) => reached.has(r.from) && reached.has(r.to)),
      distances: Object.fromEntries(distances),
      truncated,
    };
  });
}
