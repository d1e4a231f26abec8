import { z } from 'zod';

import { ValidationError } from '#core';
import type { TaskBackoff, TaskSpec } from './task-queue.js';

/** Agent names as the queue accepts them: they become job names and key parts in Redis. */
export const AGENT_NAME_PATTERN = /^[a-z0-9-]{1,64}$/;

/** BullMQ's own upper bound on a job priority (2^21 - 1); the inline queue keeps the same range. */
export const MAX_TASK_PRIORITY = 2_097_151;

/** @see TaskSpec.attempts */
export const DEFAULT_TASK_ATTEMPTS = 3;

/** @see TaskSpec.backoff */
export const DEFAULT_TASK_BACKOFF: Readonly<TaskBackoff> = Object.freeze({
  type: 'exponential',
  delayMs: 1_000,
});

export const TaskBackoffSchema = z.strictObject({
  type: z.enum(['fixed', 'exponential']),
  delayMs: z.int().min(0),
});

/**
 * A {@link TaskSpec} at the queue's boundary (API, MCP tool, CLI, job payload). Unknown fields are
 * rejected so a misspelt option (`atempts`) fails instead of silently taking the default.
 */
export const TaskSpecSchema = z.strictObject({
  agent: z.string().regex(AGENT_NAME_PATTERN, 'must match [a-z0-9-]{1,64}'),
  input: z.unknown(),
  priority: z.int().min(1).max(MAX_TASK_PRIORITY).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  timeoutMs: z.int().min(1_000).optional(),
  attempts: z.int().min(1).max(100).optional(),
  backoff: TaskBackoffSchema.optional(),
  delayMs: z.int().min(0).optional(),
  parentRunId: z.string().min(1).max(200).optional(),
  requestedBy: z.string().min(1).max(200).optional(),
});

// Compile-time check that the schema and the interface of task-queue.ts describe the same thing.
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Equals<z.output<typeof TaskSpecSchema>, TaskSpec> = true;
void schemaMatchesInterface;

/**
 * Validates an untrusted task spec. Throws a {@link ValidationError} whose message starts with the
 * first invalid field's dotted path (`invalid task spec: backoff.delayMs: …`) and whose details
 * carry that `field` and every issue.
 */
export function parseTaskSpec(value: unknown): TaskSpec {
  const result = TaskSpecSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    // An unknown key's issue sits on the object holding it; name the key itself instead.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys.join(',')] : issue.path;
    return { field: path.map(String).join('.') || '(top level)', message: issue.message };
  });
  const text = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
  throw new ValidationError(`invalid task spec: ${text}`, { field: issues[0]?.field, issues });
}

/**
 * The wait before the next attempt after `attemptsMade` attempts failed (1 after the first),
 * as BullMQ computes it: `fixed` waits `delayMs` every time, `exponential` `delayMs * 2^(n-1)`.
 */
export function backoffDelayMs(backoff: TaskBackoff, attemptsMade: number): number {
  if (backoff.type === 'fixed') return backoff.delayMs;
  return Math.round(2 ** Math.max(0, attemptsMade - 1) * backoff.delayMs);
}
