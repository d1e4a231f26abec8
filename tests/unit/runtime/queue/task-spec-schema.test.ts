import { describe, expect, it } from 'vitest';

import { ValidationError } from '../../../../core/errors.js';
import {
  backoffDelayMs,
  MAX_TASK_PRIORITY,
  parseTaskSpec,
} from '../../../../runtime/queue/task-spec-schema.js';

function fieldOf(value: unknown): unknown {
  try {
    parseTaskSpec(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details.field;
  }
  throw new Error('expected a ValidationError');
}

describe('parseTaskSpec', () => {
  it('accepts a minimal spec and a full one unchanged', () => {
    expect(parseTaskSpec({ agent: 'echo', input: { a: 1 } })).toEqual({ agent: 'echo', input: { a: 1 } });
    const full = {
      agent: 'account-review-2',
      input: [1, 2],
      priority: MAX_TASK_PRIORITY,
      idempotencyKey: 'k'.repeat(200),
      timeoutMs: 1_000,
      attempts: 100,
      backoff: { type: 'fixed', delayMs: 0 },
      delayMs: 0,
      parentRunId: '6b7c1a52-8e43-4f3e-9d7e-0c3f1e2a4b5c',
      requestedBy: 'cli:alice',
    };
    expect(parseTaskSpec(full)).toEqual(full);
  });

  it.each([
    [{ agent: 'Echo', input: null }, 'agent'],
    [{ agent: '', input: null }, 'agent'],
    [{ agent: 'a'.repeat(65), input: null }, 'agent'],
    [{ agent: 'echo', input: null, priority: 1.5 }, 'priority'],
    [{ agent: 'echo', input: null, priority: MAX_TASK_PRIORITY + 1 }, 'priority'],
    [{ agent: 'echo', input: null, attempts: 101 }, 'attempts'],
    [{ agent: 'echo', input: null, timeoutMs: 999 }, 'timeoutMs'],
    [{ agent: 'echo', input: null, delayMs: -1 }, 'delayMs'],
    [{ agent: 'echo', input: null, backoff: { type: 'fixed', delayMs: -5 } }, 'backoff.delayMs'],
    [{ agent: 'echo', input: null, backoff: { type: 'fixed' } }, 'backoff.delayMs'],
    [{ agent: 'echo', input: null, idempotencyKey: 'k'.repeat(201) }, 'idempotencyKey'],
    [{ agent: 'echo', input: null, atempts: 2 }, 'atempts'],
    [null, '(top level)'],
  ])('names the invalid field of %j', (value, field) => {
    expect(fieldOf(value)).toBe(field);
  });

  it('puts the field in the message and lists every issue in the details', () => {
    try {
      parseTaskSpec({ agent: 'BAD', input: null, attempts: 0 });
      expect.unreachable();
    } catch (error) {
      const { message, details, code } = error as ValidationError;
      expect(code).toBe('validation_failed');
      expect(message).toMatch(/^invalid task spec: agent: .*; attempts: /);
      expect(details.issues).toHaveLength(2);
    }
  });
});

describe('backoffDelayMs', () => {
  it('waits the same delay every time when fixed', () => {
    expect([1, 2, 3].map((n) => backoffDelayMs({ type: 'fixed', delayMs: 500 }, n))).toEqual([500, 500, 500]);
  });

  it('doubles the delay after each failed attempt when exponential, as BullMQ does', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs({ type: 'exponential', delayMs: 1_000 }, n))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
  });
});
