import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../core/errors.js';
import {
  createChatModel,
  createChatModels,
  LlmConfigSchema,
  ModelConfigSchema,
} from '../../../../runtime/llm/create-chat-model.js';

describe('ModelConfigSchema', () => {
  it('fills defaults', () => {
    expect(ModelConfigSchema.parse({ provider: 'openai', model: 'gpt-4o-mini' })).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      maxTokens: 4096,
      timeoutMs: 60_000,
      maxRetries: 2,
      maxRetryWaitMs: 60_000,
    });
  });

  it('requires a baseURL for an openai-compatible model', () => {
    const result = ModelConfigSchema.safeParse({ provider: 'openai-compatible', model: 'llama3' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['baseURL'],
      message: expect.stringContaining('baseURL'),
    });
  });

  it('rejects unknown keys and an unknown provider', () => {
    expect(ModelConfigSchema.safeParse({ provider: 'openai', model: 'm', temprature: 1 }).success).toBe(
      false,
    );
    expect(ModelConfigSchema.safeParse({ provider: 'cohere', model: 'm' }).success).toBe(false);
  });
});

describe('LlmConfigSchema', () => {
  it('requires the default to name a configured model', () => {
    const result = LlmConfigSchema.safeParse({ default: 'main', models: {} });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['default']);
  });
});

describe('createChatModel', () => {
  it('reports a missing key with the variable to set', () => {
    expect(() =>
      createChatModel({ provider: 'anthropic', model: 'claude-sonnet-4-5' }, 'main', { env: {} }),
    ).toThrow(ConfigError);
    expect(() =>
      createChatModel({ provider: 'anthropic', model: 'claude-sonnet-4-5' }, 'main', { env: {} }),
    ).toThrow(/set ANTHROPIC_API_KEY/);
  });

  it('reports an invalid config as a ConfigError naming the model', () => {
    expect(() => createChatModel({ provider: 'openai', model: '' }, 'broken', { env: {} })).toThrow(
      /llm model 'broken'/,
    );
  });
});

describe('createChatModels', () => {
  it('builds every model and picks the default', () => {
    const { models, defaultModel } = createChatModels(
      {
        default: 'smart',
        models: {
          smart: { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          local: {
            provider: 'openai-compatible',
            model: 'llama3.1:8b',
            baseURL: 'http://127.0.0.1:11434/v1',
          },
        },
      },
      { env: { ANTHROPIC_API_KEY: 'k' } },
    );
    expect([...models.keys()]).toEqual(['smart', 'local']);
    expect(defaultModel).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5' });
    expect(models.get('local')?.provider).toBe('local');
  });
});
