import type { Sql } from '#stores/sql';
import { entityItem, type IndexChange, observationItem } from './graph-types.js';
import { insertObservations } from './graph-writes.js';
import { lockNames } from './name-locks.js';
import type { MemoryLine } from './memory-jsonl.js';

/** Lines written per transaction; progress is reported and cancellation checked between them. */
export const IMPORT_BATCH = 500;

export interface ImportReport {
  lines: number;
  entitiesCreated: number;
  observationsAdded: number;
  relationsCreated: number;
  cancelled: boolean;
}

export interface ImportOptions {
  signal: AbortSignal;
  onBatch(done: number, total: number, change: IndexChange): Promise<void>;
}

/**
 * Merges a parsed memory file into the graph: a new entity is created, an existing one gains the
 * observations it lacks (its type is kept), relations are added once. Each batch is one
 * transaction; a cancelled import keeps the batches already committed and says so.
 */
export async function importGraph(
  sql: Sql,
  lines: MemoryLine[],
  options: ImportOptions,
): Promise<ImportReport> {
  const report: ImportReport = {
    lines: lines.length,
    entitiesCreated: 0,
    observationsAdded: 0,
    relationsCreated: 0,
    cancelled: false,
  };
  for (let start = 0; start < lines.length; start += IMPORT_BATCH) {
    if (options.signal.aborted) return { ...report, cancelled: true };
    const batch = lines.slice(start, start + IMPORT_BATCH);
    const change = await sql.transaction(async (tx) => {
      await lockNames(
        tx,
        batch.flatMap((l) => (l.type === 'entity' ? [l.entity.name] : [l.relation.from, l.relation.to])),
      );
      const change: IndexChange = { upsert: [], remove: [] };
      for (const line of batch) {
        if (line.type === 'relation') {
          const { rowCount } = await tx.query(
            `INSERT INTO memory_relations (from_name, to_name, relation_type) VALUES ($1, $2, $3)
             ON CONFLICT (from_name, to_name, relation_type) DO NOTHING RETURNING id`,
            [line.relation.from, line.relation.to, line.relation.relationType],
          );
          report.relationsCreated += rowCount;
          continue;
        }
        const { name, entityType, observations } = line.entity;
        // The no-op update makes RETURNING give the id of an existing row too, in one statement.
        const { rows } = await tx.query<{ id: string; entity_type: string; created: boolean }>(
          `INSERT INTO memory_entities (name, entity_type) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
           RETURNING id::text AS id, entity_type, (xmax = 0) AS created`,
          [name, entityType],
        );
        const row = rows[0];
        if (!row) continue;
        if (row.created) {
          report.entitiesCreated++;
          change.upsert.push(entityItem(row.id, name, row.entity_type));
        }
        const added = await insertObservations(tx, row.id, observations);
        report.observationsAdded += added.length;
        for (const { id, content } of added)
          change.upsert.push(observationItem(id, name, row.entity_type, content));
      }
      return change;
    });
    await options.onBatch(Math.min(lines.length, start + IMPORT_BATCH), lines.length, change);
  }
  return report;
}
