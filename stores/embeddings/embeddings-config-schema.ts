import { z } from 'zod';
import { secret, urlField } from '#core';

/** The `embeddings` config section: which embedder turns text into vectors (create-embedder.ts). */
export const EmbeddingsConfigSchema = z.strictObject({
  provider: z.enum(['local', 'openai']).default('local'),
  /** OpenAI (or compatible) embedding model. */
  model: z.string().min(1).default('text-embedding-3-small'),
  /** Dimension of the vectors; the local embedder uses 384 unless set. */
  dimension: z.int().min(1).max(16000).optional(),
  baseURL: urlField.optional(),
  apiKey: secret(z.string().min(1)).optional(),
});
export type EmbeddingsConfig = z.output<typeof EmbeddingsConfigSchema>;
