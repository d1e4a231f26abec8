// The front door of stores/embeddings: Embedders that turn text into vectors (a deterministic local hash embedder, or an OpenAI-compatible endpoint), and the `embeddings` config section.
// Other layers import it as '#stores/embeddings' (package.json `imports`); a file not exported here is internal.
export * from './create-embedder.js';
export * from './embedder.js';
export * from './embeddings-config-schema.js';
