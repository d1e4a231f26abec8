import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assertStrongSecret,
  estimateSecretBits,
  MIN_SECRET_BITS,
} from '../../../../runtime/config/secret-strength.js';
import { ConfigError } from '../../../../core/errors.js';

describe('secret strength', () => {
  it('passes every random key of 12 bytes or more, hex or base64url', () => {
    for (let i = 0; i < 500; i++) {
      for (const key of [
        randomBytes(12).toString('hex'),
        randomBytes(24).toString('hex'),
        randomBytes(16).toString('base64url'),
      ])
        expect(estimateSecretBits(key), key).toBeGreaterThanOrEqual(MIN_SECRET_BITS);
    }
  });

  it('refuses keys a person types: runs, sequences, words with counters', () => {
    for (const key of [
      'aaaaaaaaaaaaaaaaaaaaaaaa',
      '0123456789abcdef01',
      'test-key-0123456789abcdef',
      'password1234567890',
    ])
      expect(estimateSecretBits(key), key).toBeLessThan(MIN_SECRET_BITS);
  });

  it('names the secret and how to make one, never its value', () => {
    expect(() => assertStrongSecret('--token', 'abcdefabcdefabcdef')).toThrow(ConfigError);
    expect(() => assertStrongSecret('--token', 'abcdefabcdefabcdef')).toThrow(
      /--token is too easy to guess.*openssl rand -hex 24/,
    );
    expect(() => assertStrongSecret('--token', 'abcdefabcdefabcdef')).not.toThrow(/abcdefabcdef/);
    expect(() => assertStrongSecret('--token', randomBytes(24).toString('hex'))).not.toThrow();
  });
});
