/** What a redacted field's value becomes. */
export const REDACTED = '[redacted]';

/** Whether a field name is one to hide. */
export type FieldMatcher = (name: string) => boolean;

/**
 * A matcher for field-name patterns: `*` stands for any run of characters, `?` for one, and the
 * comparison ignores case, so `*token*` hides `token`, `accessToken` and `X-Token-Id`. A pattern
 * without wildcards matches the whole name only.
 */
export function fieldMatcher(patterns: readonly string[]): FieldMatcher {
  if (patterns.length === 0) return () => false;
  const source = patterns
    .map((pattern) =>
      pattern
        .split('')
        .map((char) =>
          char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'),
        )
        .join(''),
    )
    .join('|');
  const regex = new RegExp(`^(?:${source})$`, 'is');
  return (name) => regex.test(name);
}

/**
 * A copy of `value` in which every object field whose name matches (see {@link fieldMatcher}),
 * at any depth and inside arrays, is replaced by "[redacted]". The input is not changed.
 */
export function redactArguments(value: unknown, match: FieldMatcher | readonly string[]): unknown {
  const hidden = typeof match === 'function' ? match : fieldMatcher(match);
  const walk = (node: unknown, depth: number): unknown => {
    // A cycle cannot come from JSON, but a deep object from a local caller could: stop, not overflow.
    if (depth > 64) return REDACTED;
    if (Array.isArray(node)) return node.map((item) => walk(item, depth + 1));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) out[key] = hidden(key) ? REDACTED : walk(item, depth + 1);
    return out;
  };
  return walk(value, 0);
}
