import { z } from 'zod';
import { secret, urlField } from '#core';

export const VECTOR_BACKENDS = ['pgvector', 'faiss', 'chroma', 'qdrant', 'memory'] as const;

/** The `vector` config section: which backend stores vectors, and each backend's settings. */
export const VectorConfigSchema = z.strictObject({
  backend: z.enum(VECTOR_BACKENDS).default('pgvector'),
  pgvector: z
    .strictObject({
      efSearch: z.int().min(1).max(1000).default(100),
      /** Exact search (no index scan): slower, for reference comparisons. */
      exact: z.boolean().default(false),
    })
    .prefault({}),
  faiss: z
    .strictObject({
      /** Directory for FAISS files; default `<home>/faiss`. */
      path: z.string().min(1).optional(),
      index: z.enum(['flat', 'hnsw']).default('flat'),
    })
    .prefault({}),
  chroma: z.strictObject({ url: urlField.optional() }).prefault({}),
  qdrant: z
    .strictObject({ url: urlField.optional(), apiKey: secret(z.string().min(1)).optional() })
    .prefault({}),
});
export type VectorConfig = z.output<typeof VectorConfigSchema>;
