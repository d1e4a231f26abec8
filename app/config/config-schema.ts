import { z } from 'zod';
import { AgentsConfigSchema } from '#runtime/actors';
import { LlmConfigSchema } from '#runtime/llm';
import { AgentRateLimitsSchema, QueueConfigSchema, RedisConfigSchema } from '#runtime/queue';
import { FilesystemConfigSchema } from '#mcp-servers/filesystem';
import { GithubConfigSchema } from '#mcp-servers/github';
import { EmbeddingsConfigSchema } from '#stores/embeddings';
import { DatabaseConfigSchema } from '#stores/sql';
import { VectorConfigSchema } from '#stores/vector';
import { ApiConfigSchema } from '../api/api-config-schema.js';

/**
 * The configuration file's schema (`switchyard.config.json` or `.yaml`). Every field is optional
 * in the file; defaults fill the rest. Unknown keys are errors, so a typo is reported, not ignored.
 *
 * Each section is declared by its owner, next to the code that reads it; only the composition
 * root knows every section, so the whole schema is put together here. A section is optional in
 * the file (`prefault({})`): an absent one gets its defaults.
 */
export const ConfigSchema = z.strictObject({
  /** Where embedded data lives (PGlite under pgdata/, FAISS under faiss/). Env: SWITCHYARD_HOME. */
  home: z.string().min(1).optional(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** The SQL store (stores/sql). */
  database: DatabaseConfigSchema.prefault({}),
  /** The queue's Redis (runtime/queue). */
  redis: RedisConfigSchema.prefault({}),
  /** Which engine carries tasks (runtime/queue; README "Queue engines"). */
  queue: QueueConfigSchema.prefault({}),
  /** The vector layer's backend (stores/vector). */
  vector: VectorConfigSchema.prefault({}),
  /** The embedder (stores/embeddings). */
  embeddings: EmbeddingsConfigSchema.prefault({}),
  /** The filesystem MCP server (mcp-servers/filesystem). */
  filesystem: FilesystemConfigSchema.prefault({}),
  /** The github MCP server's API access (mcp-servers/github). */
  github: GithubConfigSchema.prefault({}),
  /** The bridge's HTTP + WebSocket API (app/api/). */
  api: ApiConfigSchema.prefault({}),
  /**
   * Language models agents call (runtime/llm): `{ default, models: { name: { provider, model,
   * apiKeyEnv, baseURL, … } }, prices }`. Keys are read from the environment (apiKeyEnv).
   */
  llm: LlmConfigSchema.prefault({}),
  /**
   * Agents: folders of declarative definitions and per-agent policy overrides (runtime/actors),
   * and the queue's per-agent limiter (runtime/queue).
   */
  agents: AgentsConfigSchema.extend({ rateLimits: AgentRateLimitsSchema }).prefault({}),
  /** Claude-Desktop-style MCP servers; validated in detail by the bridge. */
  mcpServers: z.record(z.string(), z.unknown()).default({}),
});

export type ConfigFile = z.input<typeof ConfigSchema>;
export type Config = z.output<typeof ConfigSchema> & { home: string };
