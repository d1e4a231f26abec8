import { z } from 'zod';
import { ConfigError, type Logger, secret } from '#core';
import { AnthropicChatModel } from './anthropic-chat-model.js';
import type { ChatModel } from './chat-model.js';
import { OpenAIChatModel } from './openai-chat-model.js';
import { PriceTable, PricesSchema } from './price-table.js';
import { rateLimitedChatModel } from './rate-limited-chat-model.js';
import { MemoryRateLimiter, type RateBudget, type RateLimiter, RateLimitSchema } from './rate-limiter.js';
import type { Sleep } from './retry-policy.js';

/**
 * Config → {@link ChatModel}. The only place in runtime/llm that looks at environment variables,
 * and only through the `env` it is given.
 */

export const LLM_PROVIDERS = ['openai', 'anthropic', 'openai-compatible'] as const;

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name such as OPENAI_API_KEY');

/** One model: which provider, which model id, and how to reach it. */
export const ModelConfigSchema = z
  .strictObject({
    provider: z.enum(LLM_PROVIDERS),
    /** The model id sent with requests (gpt-4o-mini, claude-sonnet-4-5, llama3.1:8b). */
    model: z.string().min(1),
    /** The key in the file. Prefer `apiKeyEnv`, which keeps it out of the file. */
    apiKey: secret(z.string().min(1)).optional(),
    /** The environment variable holding the key. @defaultValue OPENAI_API_KEY / ANTHROPIC_API_KEY */
    apiKeyEnv: envName.optional(),
    /** Required for `openai-compatible` (http://localhost:11434/v1 for Ollama, http://host:8000/v1 for vLLM). */
    baseURL: z.url({ message: 'expected a URL such as http://localhost:11434/v1' }).optional(),
    /** `max_tokens` of requests that set none. */
    maxTokens: z.int().min(1).default(4096),
    /** Per attempt. */
    timeoutMs: z.int().min(1).max(3_600_000).default(60_000),
    /** Retries after the first attempt on 429, 5xx, timeouts and dropped connections. */
    maxRetries: z.int().min(0).max(10).default(2),
    /** The longest `retry-after` waited out in place; longer fails with model_rate_limited + retryAfterMs. */
    maxRetryWaitMs: z.int().min(0).max(3_600_000).default(60_000),
    /** Prices for this model's names (or globs); they win over `llm.prices`. */
    prices: PricesSchema.optional(),
  })
  .refine((config) => config.provider !== 'openai-compatible' || config.baseURL !== undefined, {
    message: 'an openai-compatible model needs a baseURL',
    path: ['baseURL'],
  })
  .refine((config) => config.apiKey === undefined || config.apiKeyEnv === undefined, {
    message: 'set apiKey or apiKeyEnv, not both',
    path: ['apiKeyEnv'],
  });
export type ModelConfig = z.output<typeof ModelConfigSchema>;

const modelName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a model name of letters, digits, _ . -');

/** The `llm` section of the config file: named models, the default one, prices and rate limits. */
export const LlmConfigSchema = z
  .strictObject({
    /** The model agents use when they name none; must be a key of `models`. */
    default: modelName.optional(),
    models: z.record(modelName, ModelConfigSchema).default({}),
    /** USD per million tokens by model name or glob; win over the built-in examples. */
    prices: PricesSchema.default({}),
    /** Whether the built-in example prices (EXAMPLE_PRICES, check them) price models you did not. */
    examplePrices: z.boolean().default(true),
    /**
     * Requests allowed per window (`{ max, durationMs }`), keyed by
     * - a provider (`openai`, `anthropic`, `openai-compatible`): one budget shared by every model
     *   of that provider — an account's limit across its models; or
     * - a model name from `models`: that model's own budget — the way to limit one
     *   OpenAI-compatible server (each is its own server, unlike the shared `openai-compatible` key).
     * A request takes a slot from each budget that applies (its provider's and its model's). The
     * budget is shared by every agent and, with `redis.url`, every worker process (counted on
     * Redis); without Redis, by this process. With no slot free a request waits in place up to its
     * model's `maxRetryWaitMs`, else fails with model_rate_limited + retryAfterMs, as a 429 would.
     */
    rateLimits: z.record(z.string(), RateLimitSchema).default({}),
  })
  .refine((config) => config.default === undefined || config.default in config.models, {
    message: 'default must name one of models',
    path: ['default'],
  })
  .superRefine((config, context) => {
    for (const key of Object.keys(config.rateLimits)) {
      const isProvider = (LLM_PROVIDERS as readonly string[]).includes(key);
      const isModel = Object.hasOwn(config.models, key);
      if (isProvider && isModel)
        context.addIssue({
          code: 'custom',
          path: ['rateLimits', key],
          message: `'${key}' names both a provider and a model of models; rename the model to limit it alone`,
        });
      else if (!isProvider && !isModel)
        context.addIssue({
          code: 'custom',
          path: ['rateLimits', key],
          message: `'${key}' is neither a provider (${LLM_PROVIDERS.join(', ')}) nor a model of models (${Object.keys(config.models).join(', ') || 'none defined'})`,
        });
    }
  });
export type LlmConfig = z.output<typeof LlmConfigSchema>;

export interface CreateChatModelDeps {
  /** Where `apiKeyEnv` (and the default key variables) are read. Pass `process.env` at the composition root. */
  env: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  /** Prices shared by every model (`llm.prices` + examples); the model's own `prices` are added in front. */
  priceTable?: PriceTable;
  /** For tests: the wait before a retry (and before a rate limit slot frees). */
  sleep?: Sleep;
  /**
   * Where `llm.rateLimits` are counted: a Redis one makes the budgets shared by every process.
   * @defaultValue a {@link MemoryRateLimiter} per {@link createChatModels} call (this process only)
   */
  rateLimiter?: RateLimiter;
}

const DEFAULT_KEY_ENV = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY' } as const;

/**
 * Builds one model.
 *
 * @param name The config name; an `openai-compatible` model reports it as its `provider`.
 * @throws ConfigError when the config is invalid or a required key is missing.
 */
export function createChatModel(
  config: z.input<typeof ModelConfigSchema>,
  name: string,
  deps: CreateChatModelDeps,
): ChatModel {
  const parsed = ModelConfigSchema.safeParse(config);
  if (!parsed.success)
    throw new ConfigError(`llm model '${name}': ${z.prettifyError(parsed.error)}`, { model: name });
  const model = parsed.data;
  const apiKey = resolveApiKey(model, name, deps.env);
  const shared = {
    model: model.model,
    apiKey,
    maxTokens: model.maxTokens,
    timeoutMs: model.timeoutMs,
    maxRetries: model.maxRetries,
    maxRetryWaitMs: model.maxRetryWaitMs,
    priceTable: model.prices
      ? new PriceTable(model.prices, {
          includeExamples: false,
          fallback: deps.priceTable ?? new PriceTable(),
        })
      : (deps.priceTable ?? new PriceTable()),
    ...(model.baseURL === undefined ? {} : { baseURL: model.baseURL }),
    ...(deps.logger ? { logger: deps.logger.child({ llm: name }) } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  };
  switch (model.provider) {
    case 'anthropic':
      return new AnthropicChatModel(shared);
    case 'openai':
      return new OpenAIChatModel({ ...shared, provider: 'openai' });
    case 'openai-compatible':
      return new OpenAIChatModel({ ...shared, provider: name });
  }
}

/** Builds every model of the `llm` section, keyed by name, and says which is the default. */
export function createChatModels(
  section: z.input<typeof LlmConfigSchema>,
  deps: CreateChatModelDeps,
): { models: Map<string, ChatModel>; defaultModel: ChatModel | undefined } {
  const parsed = LlmConfigSchema.safeParse(section);
  if (!parsed.success) throw new ConfigError(`llm: ${z.prettifyError(parsed.error)}`);
  const { models, prices, examplePrices, rateLimits } = parsed.data;
  const priceTable = deps.priceTable ?? new PriceTable(prices, { includeExamples: examplePrices });
  const limiter = deps.rateLimiter ?? new MemoryRateLimiter();
  const built = new Map<string, ChatModel>();
  for (const [name, config] of Object.entries(models)) {
    const model = createChatModel(config, name, { ...deps, priceTable });
    const budgets = rateBudgetsOf(name, config.provider, rateLimits);
    built.set(
      name,
      budgets.length === 0
        ? model
        : rateLimitedChatModel(model, {
            limiter,
            budgets,
            maxRetryWaitMs: config.maxRetryWaitMs,
            ...(deps.logger ? { logger: deps.logger.child({ llm: name }) } : {}),
            ...(deps.sleep ? { sleep: deps.sleep } : {}),
          }),
    );
  }
  const defaultName = parsed.data.default ?? (built.size === 1 ? [...built.keys()][0] : undefined);
  return { models: built, defaultModel: defaultName === undefined ? undefined : built.get(defaultName) };
}

/**
 * The budgets of `llm.rateLimits` a model takes from: its provider's, then its own. Keys are
 * namespaced (`provider:` / `model:`) so that the two kinds never share a counter.
 */
export function rateBudgetsOf(
  name: string,
  provider: ModelConfig['provider'],
  rateLimits: LlmConfig['rateLimits'],
): RateBudget[] {
  const budgets: RateBudget[] = [];
  const byProvider = rateLimits[provider];
  if (byProvider) budgets.push({ key: `provider:${provider}`, limit: byProvider });
  const byModel = Object.hasOwn(rateLimits, name) ? rateLimits[name] : undefined;
  if (byModel && name !== provider) budgets.push({ key: `model:${name}`, limit: byModel });
  return budgets;
}

function resolveApiKey(model: ModelConfig, name: string, env: CreateChatModelDeps['env']): string {
  if (model.apiKey !== undefined) return model.apiKey;
  const variable =
    model.apiKeyEnv ?? (model.provider === 'openai-compatible' ? undefined : DEFAULT_KEY_ENV[model.provider]);
  const value = variable === undefined ? undefined : env[variable];
  if (value !== undefined && value !== '') return value;
  // Local servers (Ollama, llama.cpp, vLLM without --api-key) take any key; the SDK insists on one.
  if (model.provider === 'openai-compatible' && model.apiKeyEnv === undefined) return 'not-needed';
  throw new ConfigError(
    `llm model '${name}' (${model.provider}) has no API key: set ${variable} or apiKey in the config`,
    { model: name, env: variable },
  );
}
