import { z } from 'zod';
import { AgentsConfigSchema } from '../actors/agent-policy-schema.js';
import { LlmConfigSchema } from '../llm/create-chat-model.js';
import { RateLimitSchema } from '../llm/rate-limiter.js';
import { AGENT_NAME_PATTERN } from '../queue/task-spec-schema.js';
import { isHttpsOrLoopback } from './https-or-loopback.js';
import { secret } from './secret-fields.js';

/**
 * The configuration file's schema (`switchyard.config.json` or `.yaml`). Every field is optional
 * in the file; defaults fill the rest. Unknown keys are errors, so a typo is reported, not ignored.
 */

const url = z.url({ message: 'expected a URL such as postgres://user@host:5432/db' });

/** `queue.engine`: see README "Queue engines". */
export const QUEUE_ENGINES = ['auto', 'redis', 'postgres', 'inline'] as const;
export type QueueEngine = (typeof QUEUE_ENGINES)[number];

export const VECTOR_BACKENDS = ['pgvector', 'faiss', 'chroma', 'qdrant', 'memory'] as const;

export const API_SCOPES = ['read', 'call', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * Default field-name patterns redacted in tool arguments wherever they are stored or served
 * (audit rows, run events, approvals): `*` is any run of characters, case is ignored.
 */
export const DEFAULT_REDACTED_FIELDS = [
  '*token*',
  '*secret*',
  '*password*',
  '*key*',
  'authorization',
] as const;

/** One API key: its name (in audit rows, rate limits, logs), the key and what it may do. */
export const ApiKeySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a key name of letters, digits, _ . -'),
  /** The key in plaintext, or its digest as `sha256:<64 hex digits>` so the file holds no secret. */
  key: secret(
    z
      .string()
      .min(16, 'an API key must be at least 16 characters')
      .refine((key) => !key.startsWith('sha256:') || /^sha256:[0-9a-fA-F]{64}$/.test(key), {
        message: 'expected sha256: followed by 64 hex digits',
      }),
  ),
  scopes: z.array(z.enum(API_SCOPES)).min(1),
});
export type ApiKeyConfig = z.output<typeof ApiKeySchema>;

export const ConfigSchema = z.strictObject({
  /** Where embedded data lives (PGlite under pgdata/, FAISS under faiss/). Env: SWITCHYARD_HOME. */
  home: z.string().min(1).optional(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  database: z
    .strictObject({
      /** A PostgreSQL URL; absent = embedded PGlite. Env: DATABASE_URL. */
      url: url.optional(),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case schema name of letters, digits and _')
        .default('public'),
      /**
       * Named prepared statements on DATABASE_URL (parsed once per connection). false behind a
       * pooler that moves statements between sessions (PgBouncer < 1.21 in transaction mode).
       * Env: SWITCHYARD_DB_PREPARED_STATEMENTS.
       */
      preparedStatements: z.boolean().default(true),
      /**
       * How long a statement that failed without effect (the server restarting, a connection
       * refused, a serialization failure) is retried before its error reaches the caller.
       * 0 turns retries off. Env: SWITCHYARD_DB_RETRY_MS.
       */
      retryForMs: z.int().min(0).default(120_000),
    })
    .prefault({}),
  redis: z
    .strictObject({
      /** Env: REDIS_URL. Absent = the inline queue in the bridge's process. */
      url: url.optional(),
      /** Namespaces the queue's and the event relay's keys, so clusters can share a Redis. Env: SWITCHYARD_REDIS_PREFIX. */
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a prefix of letters, digits, _ . -')
        .default('switchyard'),
      /** How long a worker's hold on a task lasts without renewal: a killed worker's tasks move after this. */
      lockDurationMs: z.int().min(1_000).default(30_000),
    })
    .prefault({}),
  /** Which engine carries tasks (runtime/queue; README "Queue engines"). */
  queue: z
    .strictObject({
      /**
       * `auto`: BullMQ on Redis when `redis.url` is set, else the inline queue. `redis`: BullMQ on
       * Redis (needs `redis.url`). `postgres`: BullMQ's PostgreSQL backend on the server of
       * `database.url` (refused on embedded PGlite). `inline`: in this process, even with Redis.
       * `auto` never picks postgres: a DATABASE_URL alone does not mean workers run. Env: SWITCHYARD_QUEUE_ENGINE.
       */
      engine: z.enum(QUEUE_ENGINES).default('auto'),
      postgres: z
        .strictObject({
          /** BullMQ's schema (its tables and functions): the postgres engine's namespace, as `redis.prefix` is Redis's. */
          schema: z
            .string()
            .regex(
              /^[a-z_][a-z0-9_]{0,50}$/,
              'expected a lower-case schema name of letters, digits and _ (≤ 51)',
            )
            .default('bullmq'),
          /** How long a worker's hold on a task lasts without renewal: a killed worker's tasks move after this. */
          lockDurationMs: z.int().min(1_000).default(30_000),
          /** Connections of each BullMQ queue / worker pool (one queue and one worker per agent and process). */
          poolSize: z.int().min(1).max(100).default(3),
        })
        .prefault({}),
      /**
       * Rebuilding the queue from the database (runtime/queue/task-reconciler.ts): queued runs
       * with no job, and parked runs whose wake-up is overdue, are queued again.
       */
      reconcile: z
        .strictObject({
          /** How often every process with a queue looks (and at once when Redis reconnects). */
          intervalMs: z.int().min(100).default(30_000),
          /** How old a queued run must be before it counts as lost (its own submit may still land). */
          graceMs: z.int().min(0).default(10_000),
        })
        .prefault({}),
      /** How long a submit waits for the queue before answering with its (already persisted) run id. */
      enqueueTimeoutMs: z.int().min(1).default(2_000),
    })
    .prefault({}),
  vector: z
    .strictObject({
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
      chroma: z.strictObject({ url: url.optional() }).prefault({}),
      qdrant: z
        .strictObject({ url: url.optional(), apiKey: secret(z.string().min(1)).optional() })
        .prefault({}),
    })
    .prefault({}),
  embeddings: z
    .strictObject({
      provider: z.enum(['local', 'openai']).default('local'),
      /** OpenAI (or compatible) embedding model. */
      model: z.string().min(1).default('text-embedding-3-small'),
      /** Dimension of the vectors; the local embedder uses 384 unless set. */
      dimension: z.int().min(1).max(16000).optional(),
      baseURL: url.optional(),
      apiKey: secret(z.string().min(1)).optional(),
    })
    .prefault({}),
  /** The filesystem MCP server. */
  filesystem: z
    .strictObject({
      /** Directories it may use (client MCP roots can narrow them, never widen). Env: SWITCHYARD_FS_ROOTS. */
      roots: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  /** The github MCP server's API access. */
  github: z
    .strictObject({
      /** A personal access token or app token. Env: GITHUB_TOKEN. Without one, GitHub's anonymous limits apply. */
      token: secret(z.string().min(1)).optional(),
      /** The REST API's base URL; GitHub Enterprise Server is https://HOST/api/v3. Env: GITHUB_API_URL. */
      apiUrl: url
        // Security: the token goes with every request, so it must not cross a network in clear.
        .refine(isHttpsOrLoopback, {
          message: 'expected an https URL (http only to a loopback address: 127.0.0.1, ::1, localhost)',
        })
        .default('https://api.github.com'),
      /** The longest a tool waits out a rate limit before it answers with when to retry instead. */
      rateLimitWaitMs: z.int().min(0).max(600_000).default(30_000),
    })
    .prefault({}),
  /** The bridge's HTTP + WebSocket API (app/api/). */
  api: z
    .strictObject({
      /**
       * Address to bind. With no `keys` the API is open, which is allowed only on loopback
       * (127.0.0.0/8, ::1); any other host without keys refuses to start. Env: SWITCHYARD_API_HOST.
       */
      host: z.string().min(1).default('127.0.0.1'),
      /** Env: SWITCHYARD_API_PORT. */
      port: z.int().min(0).max(65_535).default(7400),
      /** API keys. Env: SWITCHYARD_API_KEYS (see environment.ts for its format). */
      keys: z.array(ApiKeySchema).default([]),
      /** Requests allowed per key (per IP without keys) in each window. */
      rateLimit: z
        .strictObject({
          max: z.int().min(1).default(600),
          timeWindowMs: z.int().min(1).default(60_000),
        })
        .prefault({}),
      /**
       * Field-name patterns (`*` any characters, case-insensitive, at any depth) whose values are
       * replaced by "[redacted]" in tool arguments: audit rows, run events, approvals, task status.
       */
      redact: z.array(z.string().min(1)).default([...DEFAULT_REDACTED_FIELDS]),
      /** Largest request body accepted (REST and /mcp); larger gets 413. */
      bodyLimitBytes: z.int().min(1).default(1_048_576),
      /**
       * Host names (optionally `name:port`; `*.example.com` for subdomains) that requests may name
       * in their Host header, besides the loopback names and the bound address, which are always
       * allowed. Anything else is refused with 421 (DNS rebinding). Env: SWITCHYARD_API_ALLOWED_HOSTS.
       */
      allowedHosts: z.array(z.string().min(1)).default([]),
      /**
       * Browser origins (`https://console.example.com`) allowed to call the API besides its own
       * (a page served by the API itself). Any other Origin is refused with 403.
       * Env: SWITCHYARD_API_ALLOWED_ORIGINS.
       */
      allowedOrigins: z.array(z.string().min(1)).default([]),
      /** Limits that keep one client from hanging or starving the service. */
      limits: z
        .strictObject({
          /** The whole request (headers and body) must arrive within this (slow bodies). */
          requestTimeoutMs: z.int().min(1_000).default(30_000),
          /** The request headers must arrive within this (slowloris). */
          headersTimeoutMs: z.int().min(1_000).default(15_000),
          /**
           * A connection with no bytes either way for this long is closed. Longer than the longest
           * call a client waits for without progress (agents__run waits up to 10 minutes).
           */
          idleTimeoutMs: z
            .int()
            .min(1_000)
            .default(15 * 60_000),
          /** Requests to /mcp per key (per IP without keys) in each window. */
          mcpRateLimit: z
            .strictObject({
              max: z.int().min(1).default(6_000),
              timeWindowMs: z.int().min(1).default(60_000),
            })
            .prefault({}),
          /** Open /mcp sessions per key (per IP without keys); past it the oldest idle one is closed. */
          mcpSessionsPerKey: z.int().min(1).default(32),
          /** Failed authentications per client address in each window before it gets 429. */
          authFailures: z
            .strictObject({
              max: z.int().min(1).default(20),
              timeWindowMs: z.int().min(1).default(60_000),
            })
            .prefault({}),
          /** Open WebSockets on /v1/events per key (per IP without keys). */
          socketsPerKey: z.int().min(1).default(16),
          /** Subscriptions one WebSocket may hold (each run filter counts once). */
          subscriptionsPerSocket: z.int().min(1).default(256),
          /** Frames a WebSocket may send per second; past it frames get an error, and a flood closes it. */
          messagesPerSecond: z.int().min(1).default(50),
        })
        .prefault({}),
    })
    .prefault({}),
  /**
   * Language models agents call (runtime/llm): `{ default, models: { name: { provider, model,
   * apiKeyEnv, baseURL, … } }, prices }`. Keys are read from the environment (apiKeyEnv).
   */
  llm: LlmConfigSchema.prefault({}),
  /** Agents: folders of declarative definitions and per-agent policy overrides (runtime/actors). */
  agents: AgentsConfigSchema.extend({
    /**
     * Runs started per window (`{ max, durationMs }`) by agent name, across every worker: BullMQ's
     * limiter on the agent's queue. Applies with `redis.url` only; the inline queue has no limiter
     * (a warning at start says so).
     */
    rateLimits: z
      .record(z.string(), RateLimitSchema)
      // Checked here, not by the record's key schema, whose failure says only "Invalid key in record".
      .superRefine((limits, context) => {
        for (const agent of Object.keys(limits))
          if (!AGENT_NAME_PATTERN.test(agent))
            context.addIssue({
              code: 'custom',
              path: [agent],
              message: `'${agent}' is not an agent name (expected [a-z0-9-]{1,64})`,
            });
      })
      .default({}),
  }).prefault({}),
  /** Claude-Desktop-style MCP servers; validated in detail by the bridge. */
  mcpServers: z.record(z.string(), z.unknown()).default({}),
});

export type ConfigFile = z.input<typeof ConfigSchema>;
export type Config = z.output<typeof ConfigSchema> & { home: string };
