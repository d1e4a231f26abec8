import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assertSafeBinding,
  bearerToken,
  findApiKey,
  isLoopback,
  parseApiKeys,
} from '../../../../app/api/api-keys.js';
import { ConfigError } from '../../../../core/errors.js';

const PLAIN = '5b1f0e9c7a3d42e8b6f1c0a9d8e7f6a5b4c3d2e1';

describe('API keys', () => {
  const keys = parseApiKeys([
    { name: 'plain', key: PLAIN, scopes: ['read'] },
    {
      name: 'hashed',
      key: `sha256:${createHash('sha256').update('hashed-key-0123456789').digest('hex')}`,
      scopes: ['call'],
    },
  ]);

  it('finds a plaintext key and a key given as its digest, and nothing else', () => {
    expect(findApiKey(keys, PLAIN)?.name).toBe('plain');
    expect(findApiKey(keys, 'hashed-key-0123456789')?.name).toBe('hashed');
    expect(findApiKey(keys, PLAIN.slice(1))).toBeUndefined();
    expect(findApiKey(keys, '')).toBeUndefined();
  });

  it('refuses two keys with one name', () => {
    const key = { name: 'a', key: PLAIN, scopes: ['read' as const] };
    expect(() => parseApiKeys([key, key])).toThrow(ConfigError);
  });

  it('refuses a plaintext key too easy to guess, saying how to make one, and never shows the key', () => {
    for (const weak of ['test-key-0123456789abcdef', 'password1234567890', 'aaaaaaaaaaaaaaaaaaaa']) {
      let thrown: unknown;
      try {
        parseApiKeys([{ name: 'ci', key: weak, scopes: ['read'] }]);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, weak).toBeInstanceOf(ConfigError);
      expect((thrown as Error).message).toMatch(/API key 'ci' is too easy to guess.*openssl rand -hex 24/);
      expect((thrown as Error).message).not.toContain(weak);
    }
    // A digest cannot be judged: the key behind it is its owner's business.
    const digest = `sha256:${createHash('sha256').update('weak').digest('hex')}`;
    expect(parseApiKeys([{ name: 'ci', key: digest, scopes: ['read'] }])).toHaveLength(1);
  });

  it('reads a Bearer token and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('knows loopback addresses and refuses an open API anywhere else', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', 'localhost', '10.0.0.1', 'example.com'])
      expect(isLoopback(host), host).toBe(false);
    expect(() => assertSafeBinding('0.0.0.0', [])).toThrow(/no keys configured/);
    expect(() => assertSafeBinding('0.0.0.0', keys)).not.toThrow();
    expect(() => assertSafeBinding('::1', [])).not.toThrow();
  });
});
