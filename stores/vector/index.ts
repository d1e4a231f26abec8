// The front door of stores/vector: The pluggable vector layer: the VectorStore contract, its backends (pgvector, Qdrant, Chroma, FAISS, memory), filters; the `vector` config section and the pgvector catalog's migration.
// Other layers import it as '#stores/vector' (package.json `imports`); a file not exported here is internal.
export * from './backends/chroma/chroma-vector-store.js';
export * from './backends/faiss/faiss-vector-store.js';
export * from './backends/memory/memory-vector-store.js';
export * from './backends/pgvector/pgvector-migrations.js';
export * from './backends/pgvector/pgvector-store.js';
export * from './backends/qdrant/qdrant-vector-store.js';
export * from './filter/parse-filter.js';
export * from './types.js';
export * from './validate.js';
export * from './vector-config-schema.js';
export * from './vector-errors.js';
