import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../app/config/load-config.js';
import { ConfigError } from '../../../core/errors.js';
import { LlmConfigSchema, rateBudgetsOf } from '../../../runtime/llm/create-chat-model.js';

// agents.rateLimits and llm.rateLimits as an operator meets them: through the config file.

describe('rate limits in the config file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-rate-limits-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (file: unknown) => {
    writeFileSync(join(dir, 'switchyard.config.json'), JSON.stringify(file));
    return loadConfig({ cwd: dir, env: {} }).config;
  };
  const problemOf = (file: unknown): string => {
    try {
      load(file);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message;
    }
    throw new Error('expected the config to be rejected');
  };
  const models = {
    gpt: { provider: 'openai', model: 'gpt-4o-mini', apiKey: 'k' },
    local: { provider: 'openai-compatible', model: 'llama3.1', baseURL: 'http://127.0.0.1:11434/v1' },
  };

  it('defaults both to no limits', () => {
    const config = load({});
    expect(config.agents.rateLimits).toEqual({});
    expect(config.llm.rateLimits).toEqual({});
  });

  it('reads per-agent and per-provider or per-model limits', () => {
    const config = load({
      agents: { rateLimits: { 'account-review': { max: 10, durationMs: 60_000 } } },
      llm: {
        models,
        rateLimits: { openai: { max: 500, durationMs: 60_000 }, local: { max: 2, durationMs: 1_000 } },
      },
    });
    expect(config.agents.rateLimits).toEqual({ 'account-review': { max: 10, durationMs: 60_000 } });
    expect(config.llm.rateLimits.local).toEqual({ max: 2, durationMs: 1_000 });
  });

  it('rejects an llm.rateLimits key that is neither a provider nor a model, listing both', () => {
    const message = problemOf({ llm: { models, rateLimits: { cohere: { max: 1, durationMs: 1_000 } } } });
    expect(message).toContain('llm.rateLimits.cohere');
    expect(message).toContain(
      "'cohere' is neither a provider (openai, anthropic, openai-compatible) nor a model of models (gpt, local)",
    );
  });

  it('rejects a key that names both a provider and a model', () => {
    const message = problemOf({
      llm: { models: { openai: models.gpt }, rateLimits: { openai: { max: 1, durationMs: 1_000 } } },
    });
    expect(message).toMatch(/llm\.rateLimits\.openai: 'openai' names both a provider and a model/);
  });

  it('rejects a max or durationMs that is not a positive integer, naming the field', () => {
    expect(problemOf({ llm: { rateLimits: { openai: { max: 0, durationMs: 1_000 } } } })).toMatch(
      /llm\.rateLimits\.openai\.max: max must be at least 1/,
    );
    expect(problemOf({ agents: { rateLimits: { coding: { max: 2, durationMs: -5 } } } })).toMatch(
      /agents\.rateLimits\.coding\.durationMs: durationMs must be at least 1/,
    );
    expect(problemOf({ agents: { rateLimits: { coding: { max: 1.5, durationMs: 1_000 } } } })).toMatch(
      /agents\.rateLimits\.coding\.max: max must be a whole number/,
    );
    expect(problemOf({ agents: { rateLimits: { coding: { max: 1 } } } })).toMatch(
      /agents\.rateLimits\.coding\.durationMs/,
    );
  });

  it('rejects unknown fields and agent names a queue cannot have', () => {
    expect(
      problemOf({ agents: { rateLimits: { coding: { max: 1, durationMs: 1_000, burst: 2 } } } }),
    ).toMatch(/agents\.rateLimits\.coding: Unrecognized key: "burst"/);
    expect(problemOf({ agents: { rateLimits: { 'Coding Agent': { max: 1, durationMs: 1_000 } } } })).toMatch(
      /agents\.rateLimits\.Coding Agent: 'Coding Agent' is not an agent name \(expected \[a-z0-9-\]\{1,64\}\)/,
    );
  });
});

describe('rateBudgetsOf', () => {
  const { rateLimits } = LlmConfigSchema.parse({
    models: {
      gpt: { provider: 'openai', model: 'gpt-4o-mini' },
      mini: { provider: 'openai', model: 'gpt-4o-mini' },
      local: { provider: 'openai-compatible', model: 'llama3.1', baseURL: 'http://127.0.0.1:11434/v1' },
    },
    rateLimits: {
      openai: { max: 100, durationMs: 60_000 },
      mini: { max: 5, durationMs: 1_000 },
      'openai-compatible': { max: 20, durationMs: 1_000 },
    },
  });

  it("gives a model its provider's budget and its own, under keys that cannot collide", () => {
    expect(rateBudgetsOf('mini', 'openai', rateLimits)).toEqual([
      { key: 'provider:openai', limit: { max: 100, durationMs: 60_000 } },
      { key: 'model:mini', limit: { max: 5, durationMs: 1_000 } },
    ]);
    expect(rateBudgetsOf('gpt', 'openai', rateLimits)).toEqual([
      { key: 'provider:openai', limit: { max: 100, durationMs: 60_000 } },
    ]);
    expect(rateBudgetsOf('local', 'openai-compatible', rateLimits)).toEqual([
      { key: 'provider:openai-compatible', limit: { max: 20, durationMs: 1_000 } },
    ]);
    expect(rateBudgetsOf('claude', 'anthropic', rateLimits)).toEqual([]);
  });
});
