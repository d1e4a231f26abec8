import type { z } from 'zod';
import { ValidationError } from '#core';

/** The first thing wrong with a value, as a dotted field path (`accountIds.3`) and zod's message. */
export interface InputIssue {
  field: string;
  message: string;
}

/**
 * The issue a caller is told about: only the first, since one clear fix at a time reads better
 * than a list. An empty path means the value as a whole is wrong, named `fallbackField`.
 */
export function firstInputIssue(error: z.ZodError, fallbackField = 'input'): InputIssue {
  const issue = error.issues[0]!;
  return { field: issue.path.map(String).join('.') || fallbackField, message: issue.message };
}

/**
 * The ValidationError every agent answers a bad input with: `<label>: <field>: <message>`, with
 * the field in the details so an API answer can point at it.
 */
export function inputValidationError(label: string, error: z.ZodError): ValidationError {
  const { field, message } = firstInputIssue(error);
  return new ValidationError(`${label}: ${field}: ${message}`, { field });
}

/** Parses `input` with `schema`, or throws {@link inputValidationError}. */
export function parseWithSchema<T>(schema: z.ZodType<T>, input: unknown, label: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw inputValidationError(label, parsed.error);
}
