import { ConfigError, type Logger } from '#core';
import type { Embedder } from './embedder.js';
import { LocalEmbedder } from './local-embedder.js';
import { OpenAIEmbedder, type OpenAIEmbedderOptions } from './openai-embedder.js';

/**
 * What the embedder reads of the `embeddings` config section (embeddings-config-schema.ts): the
 * parsed section fits it, and code that builds an embedder without a config file names only the
 * fields it sets.
 */
export interface EmbeddingsSettings {
  provider: 'local' | 'openai';
  /** The OpenAI (or compatible) model; ignored by `local`. */
  model?: string;
  /** `local`: 384 unless set; `openai`: the model's native dimension unless set. */
  dimension?: number;
  baseURL?: string;
  apiKey?: string;
}

export interface CreateEmbedderOptions {
  logger?: Logger;
  /** Tuning of the openai embedder that the config file does not carry (batching, retries). */
  openai?: Omit<OpenAIEmbedderOptions, 'model' | 'dimension' | 'baseURL' | 'apiKey' | 'logger'>;
}

/** Builds the embedder the configuration names. Throws ConfigError when the section cannot work. */
export function createEmbedder(settings: EmbeddingsSettings, options: CreateEmbedderOptions = {}): Embedder {
  switch (settings.provider) {
    case 'local':
      return new LocalEmbedder({ dimension: settings.dimension });
    case 'openai':
      return new OpenAIEmbedder({
        ...options.openai,
        model: settings.model,
        dimension: settings.dimension,
        baseURL: settings.baseURL,
        apiKey: settings.apiKey,
        logger: options.logger,
      });
    default:
      throw new ConfigError(
        `embeddings.provider must be 'local' or 'openai', got '${(settings as { provider: unknown }).provider}'`,
        { field: 'embeddings.provider' },
      );
  }
}
