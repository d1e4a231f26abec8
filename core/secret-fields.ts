import { z } from 'zod';

/**
 * The config schemas whose values are secrets (keys, tokens). The mark lives on the schema itself,
 * next to the field's definition, so a secret field added later is redacted without anyone
 * remembering a second list (see redact-config.ts).
 */
export const secretFields = z.registry<{ secret: true }>();

/**
 * Marks `schema` as a secret and returns it. Mark the innermost schema of the field (before
 * `.optional()` or `.default()`), since every wrapper is a new schema: `secret(z.string()).optional()`.
 */
export function secret<T extends z.ZodType>(schema: T): T {
  secretFields.add(schema, { secret: true });
  return schema;
}

/** True when `schema` itself (not a schema it wraps) was marked with {@link secret}. */
export function isSecret(schema: z.core.$ZodType): boolean {
  return secretFields.has(schema);
}
