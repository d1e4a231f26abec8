import type { z } from 'zod';
import { isSecret } from '#core';

/** What a hidden value is replaced by. */
export const REDACTED = '***';

/**
 * A copy of `value` (a configuration parsed by `schema`) fit to paste into an issue:
 * - every field whose schema is marked with `secret()` (secret-fields.ts) becomes `'***'`;
 * - every value under `mcpServers.<name>.env` and `mcpServers.<name>.headers` becomes `'***'`
 *   (upstream servers' keys and tokens; the schema holds them as `unknown`, so no mark reaches them);
 * - in every string anywhere, the password of a URL (`postgres://u:pw@h/db`, `redis://:pw@h`)
 *   becomes `***`, whether the string is the URL or holds one (`--db=postgres://u:pw@h`).
 * Unset fields stay unset, so the output still shows which secrets are configured. `value` is not
 * changed.
 */
export function redactConfig<T>(schema: z.core.$ZodType, value: T): T {
  return hideServerSecrets(walk(schema, value)) as T;
}

/** Walks the schema alongside the value; where the schema says nothing more, strings are scrubbed. */
function walk(schema: z.core.$ZodType, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  let current = schema;
  // A mark may sit on any layer of a field (`secret(x).optional()` marks the inner one), so each
  // layer is checked on the way in.
  for (;;) {
    if (isSecret(current)) return REDACTED;
    const inner = unwrap(current);
    if (!inner) break;
    current = inner;
  }
  const def = (current as z.core.$ZodTypes)._zod.def;
  if (def.type === 'object' && isPlainObject(value)) {
    const shape = def.shape as Record<string, z.core.$ZodType>;
    return mapValues(value, (key, item) =>
      Object.hasOwn(shape, key) ? walk(shape[key]!, item) : scrub(item),
    );
  }
  if (def.type === 'array' && Array.isArray(value)) return value.map((item) => walk(def.element, item));
  if (def.type === 'record' && isPlainObject(value))
    return mapValues(value, (_key, item) => walk(def.valueType, item));
  // Unions, unknown and scalars: no structure to follow, so only the schema-independent rules apply.
  return scrub(value);
}

/** The schema a wrapper holds, or undefined for a schema that is not a wrapper. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType | undefined {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nonoptional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return def.innerType;
    case 'pipe':
      // The value was parsed, so it has the output side's shape, unless that side is a transform
      // (z.preprocess), whose output the input side describes.
      return def.out._zod.def.type === 'transform' ? def.in : def.out;
    default:
      return undefined;
  }
}

/** Applies the URL rule to every string in `value`, at any depth. */
function scrub(value: unknown): unknown {
  if (typeof value === 'string') return hideUrlPasswords(value);
  if (Array.isArray(value)) return value.map(scrub);
  if (isPlainObject(value)) return mapValues(value, (_key, item) => scrub(item));
  return value;
}

// `scheme://userinfo@`: the userinfo runs to the authority's last `@` (the greedy part backtracks
// to it), as a URL parser reads it, so a password holding `@` is hidden whole.
const EMBEDDED_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s?#]*)@/gi;

/** `text` with the password of each URL in it replaced by `***`. */
export function hideUrlPasswords(text: string): string {
  if (!text.includes('@')) return text;
  try {
    const url = new URL(text);
    if (url.password) {
      url.password = REDACTED;
      return url.toString();
    }
  } catch {
    // Not a URL as a whole; it may still hold one.
  }
  return text.replace(EMBEDDED_USERINFO, (match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon < 0 || colon === userinfo.length - 1) return match;
    return `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`;
  });
}

/** `mcpServers.<name>.env` and `.headers`: every value hidden, the names kept. */
function hideServerSecrets(config: unknown): unknown {
  if (!isPlainObject(config) || !isPlainObject(config.mcpServers)) return config;
  const mcpServers = mapValues(config.mcpServers, (_name, server) => {
    if (!isPlainObject(server)) return server;
    const hidden: Record<string, unknown> = { ...server };
    for (const field of ['env', 'headers'])
      if (hidden[field] !== undefined)
        hidden[field] = isPlainObject(hidden[field]) ? mapValues(hidden[field], () => REDACTED) : REDACTED;
    return hidden;
  });
  return { ...config, mcpServers };
}

function mapValues(
  object: Record<string, unknown>,
  map: (key: string, value: unknown) => unknown,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(key, value)]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
