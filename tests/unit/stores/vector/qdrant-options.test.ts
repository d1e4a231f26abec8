import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../core/errors.js';
import { resolveQdrantOptions } from '../../../../stores/vector/backends/qdrant/qdrant-options.js';
import { atLeast, MIN_SERVER } from '../../../../stores/vector/backends/qdrant/qdrant-requests.js';

describe('resolveQdrantOptions', () => {
  it('applies the documented defaults', () => {
    const { logger, ...rest } = resolveQdrantOptions({ url: 'http://localhost:6333' });
    expect(rest).toEqual({
      url: 'http://localhost:6333',
      collectionPrefix: 'sy_',
      batchSize: 256,
      concurrency: 4,
      wait: true,
      autoIndex: true,
      timeoutMs: 30_000,
    });
    expect(typeof logger.warn).toBe('function');
  });

  it('keeps what the caller set, and treats undefined as unset', () => {
    const resolved = resolveQdrantOptions({
      url: 'https://q:443',
      batchSize: 10,
      wait: false,
      hnswEf: 128,
      concurrency: undefined,
    });
    expect(resolved).toMatchObject({ batchSize: 10, wait: false, hnswEf: 128, concurrency: 4 });
  });

  it.each([
    [{ url: 'localhost:6333' }, /option url: expected an http\(s\) URL/],
    [{ url: 'http://[bad' }, /option url: "http:\/\/\[bad" is not a valid URL/],
    [{ url: 'http://q', apiKey: '' }, /option apiKey/],
    [{ url: 'http://q', collectionPrefix: 'a.b' }, /option collectionPrefix/],
    [{ url: 'http://q', batchSize: 1.5 }, /option batchSize: expected a positive integer, got 1.5/],
    [{ url: 'http://q', concurrency: 0 }, /option concurrency/],
    [{ url: 'http://q', timeoutMs: -1 }, /option timeoutMs/],
    [{ url: 'http://q', hnswEf: 0 }, /option hnswEf/],
    [{ url: 'http://q', wait: 'yes' }, /option wait/],
  ])('refuses %j with a ConfigError naming the option', (options, message) => {
    const attempt = () => resolveQdrantOptions(options as Parameters<typeof resolveQdrantOptions>[0]);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });
});

describe('server version check', () => {
  it('needs Qdrant 1.10 or newer (the Query API)', () => {
    expect(MIN_SERVER).toEqual([1, 10]);
    expect(atLeast('1.17.1', MIN_SERVER)).toBe(true);
    expect(atLeast('1.10.0', MIN_SERVER)).toBe(true);
    expect(atLeast('2.0.0', MIN_SERVER)).toBe(true);
    expect(atLeast('1.9.7', MIN_SERVER)).toBe(false);
    expect(atLeast('v0.11.0', MIN_SERVER)).toBe(false);
  });

  it('lets an unparsable version through rather than guess', () => {
    expect(atLeast('dev', MIN_SERVER)).toBe(true);
    expect(atLeast(undefined, MIN_SERVER)).toBe(true);
  });
});
