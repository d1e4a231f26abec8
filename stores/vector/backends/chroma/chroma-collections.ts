import type { CollectionMetadata, CreateCollectionConfiguration } from 'chromadb';
import type { CollectionSpec, Metric } from '../../types.js';
import { METRICS } from '../../types.js';
import { RESERVED_KEY_PREFIX } from '../../validate.js';

/**
 * How a Switchyard collection maps onto a Chroma collection: its name, the metadata that records
 * its dimension and metric, and its HNSW index settings.
 */

/** HNSW settings of a new collection (Chroma fixes space and ef_construction at creation). */
export interface HnswSettings {
  /**
   * Candidate list size while building the graph. Higher builds a better graph, more slowly.
   * @defaultValue 200 (Chroma's default is 100)
   */
  efConstruction: number;
  /**
   * Candidate list size while searching (raised to topK when smaller). A search explores up to
   * this many candidates, so on a connected graph of at most `efSearch` records it visits them
   * all and the top-k is exact; above that, recall is high but below 1.
   * @defaultValue 200 (Chroma's default is 100)
   */
  efSearch: number;
  /** Graph degree (HNSW's M). @defaultValue 16 (Chroma's default) */
  maxNeighbors: number;
}

export const DEFAULT_HNSW: Readonly<HnswSettings> = { efConstruction: 200, efSearch: 200, maxNeighbors: 16 };

/**
 * Chroma's space per metric. Chroma's distances are then: l2 → squared euclidean, cosine → 1 − cos,
 * ip → 1 − dot (see ./chroma-score.ts).
 */
export const CHROMA_SPACE: Readonly<Record<Metric, 'l2' | 'cosine' | 'ip'>> = {
  cosine: 'cosine',
  l2: 'l2',
  ip: 'ip',
};

/** The configuration a collection is created with: the space comes from the metric, always explicitly. */
export function hnswConfiguration(metric: Metric, settings: HnswSettings): CreateCollectionConfiguration {
  return {
    hnsw: {
      space: CHROMA_SPACE[metric],
      ef_construction: settings.efConstruction,
      ef_search: settings.efSearch,
      max_neighbors: settings.maxNeighbors,
    },
  };
}

const DIMENSION_KEY = `${RESERVED_KEY_PREFIX}dimension`;
const METRIC_KEY = `${RESERVED_KEY_PREFIX}metric`;
/** Version of the record encoding of ./chroma-metadata.ts, for a future migration to branch on. */
const FORMAT_KEY = `${RESERVED_KEY_PREFIX}format`;
const FORMAT = 1;

/** Collection metadata that records the Switchyard definition (Chroma itself has no fixed dimension). */
export function specMetadata(spec: CollectionSpec): CollectionMetadata {
  return { [DIMENSION_KEY]: spec.dimension, [METRIC_KEY]: spec.metric, [FORMAT_KEY]: FORMAT };
}

/** The definition stored by {@link specMetadata}; null for a collection Switchyard did not create. */
export function specFromMetadata(
  name: string,
  metadata: CollectionMetadata | null | undefined,
): CollectionSpec | null {
  const dimension = metadata?.[DIMENSION_KEY];
  const metric = metadata?.[METRIC_KEY];
  if (typeof dimension !== 'number' || !METRICS.includes(metric as Metric)) return null;
  return { name, dimension, metric: metric as Metric };
}

/**
 * Chroma names must end with a letter or digit; Switchyard names may end with '_' or '-'. Those
 * get a '.sy' suffix: Switchyard names never contain '.', so the mapping is one-to-one.
 */
const SUFFIX = '.sy';

export function toChromaName(name: string): string {
  return /[_-]$/.test(name) ? `${name}${SUFFIX}` : name;
}

/** The Switchyard name of a Chroma collection; null when no Switchyard name maps to it. */
export function fromChromaName(chromaName: string): string | null {
  const name = chromaName.endsWith(SUFFIX) ? chromaName.slice(0, -SUFFIX.length) : chromaName;
  if (name.includes('.') || toChromaName(name) !== chromaName) return null;
  return name;
}
