/** What a redacted field's value becomes. */
export const REDACTED = '[redacted]';

/**
 * A copy of `value` in which every object field whose name is in `names` (case-insensitive),
 * at any depth and inside arrays, is replaced by "[redacted]". The input is not changed.
 */
export function redactArguments(value: unknown, names: readonly string[]): unknown {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const walk = (node: unknown, depth: number): unknown => {
    // A cycle cannot come from JSON, but a deep object from a local caller could: stop, not overflow.
    if (depth > 64) return REDACTED;
    if (Array.isArray(node)) return node.map((item) => walk(item, depth + 1));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node))
      out[key] = wanted.has(key.toLowerCase()) ? REDACTED : walk(item, depth + 1);
    return out;
  };
  return walk(value, 0);
}
