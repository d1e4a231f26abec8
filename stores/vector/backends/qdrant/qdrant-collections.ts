import type { Schemas } from '@qdrant/js-client-rest';
import { BackendError, NotFoundError } from '#core';
import type { FilterNode } from '../../filter/filter-ast.js';
import type { CollectionSpec } from '../../types.js';
import { assertCollectionName } from '../../validate.js';
import { planPayloadIndexes } from './payload-index-plan.js';
import { httpStatusOf } from './qdrant-errors.js';
import { specFromCollectionInfo } from './qdrant-metric.js';
import type { QdrantRequests } from './qdrant-requests.js';

export interface CollectionState {
  spec: CollectionSpec;
  /** Payload keys with an index, or one being created (the promise settles either way). */
  indexes: Map<string, Promise<void>>;
}

/** A Qdrant collection this store cannot use, and why. */
export interface Unusable {
  problem: string;
}

/**
 * What a store knows of its collections: each one's definition and payload indexes, read from
 * Qdrant on first use and kept. The cache is per store: a collection dropped and recreated with
 * another dimension by another process fails with Qdrant's own error until this store creates or
 * describes it again (both read it afresh).
 */
export class QdrantCollections {
  private readonly states = new Map<string, CollectionState>();

  constructor(private readonly requests: QdrantRequests) {}

  /** The state of a collection; NotFoundError when Qdrant has none by that name. */
  async get(name: string): Promise<CollectionState> {
    assertCollectionName(name);
    const cached = this.states.get(name);
    if (cached) return cached;
    const fetched = await this.fetch(name);
    if (!fetched) throw new NotFoundError('collection', name);
    if ('problem' in fetched) throw this.unusable(name, fetched);
    return fetched;
  }

  /** Reads a collection's definition and payload indexes from Qdrant; null when it does not exist. */
  async fetch(name: string): Promise<CollectionState | Unusable | null> {
    let info: Schemas['CollectionInfo'];
    try {
      info = await this.requests.run(`read collection '${name}'`, () =>
        this.requests.client.getCollection(this.requests.qdrantName(name)),
      );
    } catch (error) {
      if (error instanceof BackendError && httpStatusOf(error.cause) === 404) return null;
      throw error;
    }
    const read = specFromCollectionInfo(name, info);
    if ('problem' in read) return read;
    const indexes = new Map(Object.keys(info.payload_schema ?? {}).map((key) => [key, Promise.resolve()]));
    const state = { spec: read.spec, indexes };
    this.states.set(name, state);
    return state;
  }

  /** Records a collection this store just created. */
  remember(spec: CollectionSpec): void {
    this.states.set(spec.name, { spec, indexes: new Map() });
  }

  forget(name: string): void {
    this.states.delete(name);
  }

  clear(): void {
    this.states.clear();
  }

  unusable(name: string, { problem }: Unusable): BackendError {
    return new BackendError(
      'qdrant',
      `Qdrant collection '${this.requests.qdrantName(name)}' is not usable as collection '${name}': ${problem}`,
    );
  }

  /**
   * Creates the payload indexes a filter would use that the collection lacks (payload-index-plan.ts),
   * each once per store even under concurrent queries, and waits for them to be built.
   */
  async ensureIndexes(name: string, state: CollectionState, node: FilterNode | null): Promise<void> {
    const { autoIndex, logger } = this.requests.options;
    if (!autoIndex || node === null) return;
    const pending: Promise<void>[] = [];
    for (const plan of planPayloadIndexes(node)) {
      let creation = state.indexes.get(plan.key);
      if (!creation) {
        const action = `create payload index '${plan.key}' on collection '${name}'`;
        creation = this.requests
          .run(action, () =>
            this.requests.client.createPayloadIndex(this.requests.qdrantName(name), {
              field_name: plan.key,
              field_schema: plan.schema,
              wait: true,
            }),
          )
          .then(
            () => logger.debug({ collection: name, ...plan }, 'created a Qdrant payload index'),
            (error: unknown) => {
              // The filter is exact without the index (Qdrant reads the payload): log and go on,
              // and forget the attempt so a later filter retries.
              state.indexes.delete(plan.key);
              const message = error instanceof Error ? error.message : String(error);
              logger.warn({ collection: name, ...plan, err: message }, 'payload index not created');
            },
          );
        state.indexes.set(plan.key, creation);
      }
      pending.push(creation);
    }
    await Promise.all(pending);
  }
}
