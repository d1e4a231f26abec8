import { describe, expect, it } from 'vitest';
import { redactArguments } from '../../../../bridge/access/redact-arguments.js';

describe('redactArguments', () => {
  it('replaces named fields at any depth and in arrays, case-insensitively, without changing the input', () => {
    const input = {
      user: 'ana',
      Password: 'x',
      deep: { a: [{ token: 't', ok: true }], secret: { nested: 1 } },
    };
    const copy = structuredClone(input);
    expect(redactArguments(input, ['password', 'TOKEN', 'secret'])).toEqual({
      user: 'ana',
      Password: '[redacted]',
      deep: { a: [{ token: '[redacted]', ok: true }], secret: '[redacted]' },
    });
    expect(input).toEqual(copy);
  });

  it('leaves values that are not objects alone', () => {
    expect(redactArguments('password', ['password'])).toBe('password');
    expect(redactArguments([{ password: 1 }, null], ['password'])).toEqual([
      { password: '[redacted]' },
      null,
    ]);
  });
});
