/**
 * What PostgreSQL refuses to store, whichever driver: a NUL character in `text` ("invalid byte
 * sequence for encoding UTF8: 0x00"), `\u0000` in `jsonb` ("unsupported Unicode escape
 * sequence"), and a lone UTF-16 surrogate, which JSON.stringify writes as an escape `json`
 * rejects. Records that must never be lost for the way a client spelled its input (audit rows)
 * go through these first; each such character becomes U+FFFD, the replacement character.
 */

/** A NUL, or a high surrogate not followed by a low one, or a low one not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` as PostgreSQL can store it. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

/** A copy of a JSON value whose strings and keys PostgreSQL can store in `jsonb`. */
export function storableJson(value: unknown): unknown {
  const walk = (node: unknown, depth: number): unknown => {
    if (typeof node === 'string') return storableText(node);
    if (node === null || typeof node !== 'object' || depth > 64) return node;
    if (Array.isArray(node)) return node.map((item) => walk(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) out[storableText(key)] = walk(item, depth + 1);
    return out;
  };
  return walk(value, 0);
}

/**
 * True for PostgreSQL's class 22 errors ("data exception": a value the column cannot hold, such as
 * a NUL in text, a number out of range, a malformed literal): the input's fault, not the server's.
 */
export function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}
