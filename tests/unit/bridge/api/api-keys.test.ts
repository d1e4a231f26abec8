import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assertSafeBinding,
  bearerToken,
  findApiKey,
  isLoopback,
  parseApiKeys,
} from '../../../../bridge/api/api-keys.js';
import { ConfigError } from '../../../../runtime/errors.js';

describe('API keys', () => {
  const keys = parseApiKeys([
    { name: 'plain', key: 'plain-key-0123456789', scopes: ['read'] },
    {
      name: 'hashed',
      key: `sha256:${createHash('sha256').update('hashed-key-0123456789').digest('hex')}`,
      scopes: ['call'],
    },
  ]);

  it('finds a plaintext key and a key given as its digest, and nothing else', () => {
    expect(findApiKey(keys, 'plain-key-0123456789')?.name).toBe('plain');
    expect(findApiKey(keys, 'hashed-key-0123456789')?.name).toBe('hashed');
    expect(findApiKey(keys, 'plain-key-012345678')).toBeUndefined();
    expect(findApiKey(keys, '')).toBeUndefined();
  });

  it('refuses two keys with one name', () => {
    const key = { name: 'a', key: 'a-key-0123456789abc', scopes: ['read' as const] };
    expect(() => parseApiKeys([key, key])).toThrow(ConfigError);
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
