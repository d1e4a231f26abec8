import type { Logger } from '#core';
import type { Embedder } from '#stores/embeddings';
import type { Sql } from '#stores/sql';
import type { VectorStore } from '#stores/vector';
import { entityItem, type IndexChange, type IndexedItem, observationItem } from './graph-types.js';

export const DEFAULT_COLLECTION = 'memory-graph';

export interface SemanticMatch {
  kind: 'entity' | 'observation';
  entityName: string;
  entityType: string;
  /** The observation's text; absent for an entity match. */
  observation?: string;
  similarity: number;
}

export interface SemanticQuery {
  query: string;
  topK: number;
  entityTypes?: string[];
  kinds?: Array<'entity' | 'observation'>;
}

/**
 * Keeps a vector collection in step with the graph: one record per entity and per observation,
 * written after each SQL commit. SQL stays the source of truth: the index may lag (a write whose
 * index update failed, a crash between the two), so every search is joined back to SQL and hits
 * on rows that no longer exist are dropped; an empty collection is refilled from SQL on first use.
 */
export class SemanticIndex {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly deps: { sql: Sql; store: VectorStore; embedder: Embedder; logger: Logger },
    private readonly collection: string = DEFAULT_COLLECTION,
  ) {}

  /** Applies a committed change. Never throws: the graph write already succeeded. */
  async apply(change: IndexChange): Promise<void> {
    if (change.upsert.length === 0 && change.remove.length === 0) return;
    try {
      await this.ensure();
      if (change.remove.length > 0) await this.deps.store.delete(this.collection, { ids: change.remove });
      await this.write(change.upsert);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'memory: semantic index update failed; searches drop stale hits');
    }
  }

  async search(request: SemanticQuery, signal?: AbortSignal): Promise<SemanticMatch[]> {
    await this.ensure();
    const vector = await this.deps.embedder.embedOne(request.query, { signal });
    const filter: Record<string, unknown> = {};
    if (request.entityTypes) filter['entityType'] = { $in: request.entityTypes };
    if (request.kinds) filter['kind'] = { $in: request.kinds };
    // A few extra, since stale hits are dropped below.
    const matches = await this.deps.store.query(this.collection, {
      vector,
      topK: Math.min(1000, request.topK + 10),
      ...(Object.keys(filter).length > 0 ? { filter } : {}),
    });
    const live = await this.liveItems(matches.map((m) => m.id));
    const results: SemanticMatch[] = [];
    for (const match of matches) {
      const item = live.get(match.id);
      if (!item || results.length >= request.topK) continue;
      results.push({
        kind: item.kind,
        entityName: item.entityName,
        entityType: item.entityType,
        ...(item.kind === 'observation' ? { observation: item.text } : {}),
        similarity: match.similarity,
      });
    }
    return results;
  }

  private ensure(): Promise<void> {
    this.ready ??= this.prepare().catch((error: unknown) => {
      // Try again on the next call rather than caching a failure (a backend may come back).
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async prepare(): Promise<void> {
    const info = await this.deps.store.createCollection({
      name: this.collection,
      dimension: this.deps.embedder.dimension,
      metric: 'cosine',
    });
    if (info.count === 0) await this.write(await this.allItems());
  }

  private async write(items: IndexedItem[]): Promise<void> {
    for (let start = 0; start < items.length; start += 256) {
      const batch = items.slice(start, start + 256);
      // The entity name gives an observation its context ("Alice: works at Acme").
      const vectors = await this.deps.embedder.embed(
        batch.map((i) => (i.kind === 'entity' ? i.text : `${i.entityName}: ${i.text}`)),
      );
      await this.deps.store.upsert(
        this.collection,
        batch.map((item, index) => ({
          id: item.id,
          vector: vectors[index] ?? [],
          document: item.text,
          metadata: { kind: item.kind, entityName: item.entityName, entityType: item.entityType },
        })),
      );
    }
  }

  private async allItems(): Promise<IndexedItem[]> {
    return [...(await this.itemsWhere('true', 'true', [])).values()];
  }

  private liveItems(ids: string[]): Promise<Map<string, IndexedItem>> {
    const entityIds = ids.filter((id) => id.startsWith('entity:')).map((id) => id.slice('entity:'.length));
    const observationIds = ids
      .filter((id) => id.startsWith('observation:'))
      .map((id) => id.slice('observation:'.length));
    return this.itemsWhere('e.id::text = ANY($1::text[])', 'o.id::text = ANY($2::text[])', [
      entityIds,
      observationIds,
    ]);
  }

  private async itemsWhere(
    entityWhere: string,
    observationWhere: string,
    params: unknown[],
  ): Promise<Map<string, IndexedItem>> {
    const { rows } = await this.deps.sql.query<{
      kind: string;
      id: string;
      name: string;
      entity_type: string;
      content: string | null;
    }>(
      `SELECT 'entity' AS kind, e.id::text AS id, e.name, e.entity_type, NULL AS content
         FROM memory_entities e WHERE ${entityWhere}
       UNION ALL
       SELECT 'observation', o.id::text, e.name, e.entity_type, o.content
         FROM memory_observations o JOIN memory_entities e ON e.id = o.entity_id WHERE ${observationWhere}`,
      params,
    );
    const items = new Map<string, IndexedItem>();
    for (const row of rows) {
      const item =
        row.kind === 'entity'
          ? entityItem(row.id, row.name, row.entity_type)
          : observationItem(row.id, row.name, row.entity_type, row.content ?? '');
      items.set(item.id, item);
    }
    return items;
  }
}
