import { describe, expect, it } from 'vitest';
import { SocketQuota } from '../../../../app/api/socket-quota.js';

describe('SocketQuota', () => {
  it('gives each holder perHolder slots and refuses the next', () => {
    const quota = new SocketQuota(2);
    expect(quota.acquire('key:a')).toBeTypeOf('function');
    expect(quota.acquire('key:a')).toBeTypeOf('function');
    expect(quota.hasRoom('key:a')).toBe(false);
    expect(quota.acquire('key:a')).toBeUndefined();
    expect(quota.acquire('key:b')).toBeTypeOf('function');
    expect(quota.count('key:a')).toBe(2);
  });

  it('frees a slot on release, once however often it is released', () => {
    const quota = new SocketQuota(2);
    const first = quota.acquire('key:a')!;
    quota.acquire('key:a');
    first();
    first();
    expect(quota.count('key:a')).toBe(1);
    expect(quota.acquire('key:a')).toBeTypeOf('function');
    expect(quota.acquire('key:a')).toBeUndefined();
  });

  it('rejects a cap that is not a positive integer', () => {
    expect(() => new SocketQuota(0)).toThrow(/perHolder/);
  });
});
