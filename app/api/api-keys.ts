import { createHash, timingSafeEqual } from 'node:crypto';
import { type ApiScope, assertStrongSecret } from '#runtime/config';
import type { ApiKeyConfig } from './api-config-schema.js';
import { ConfigError } from '#core';
import { isLoopback } from '#runtime/mcp';

export { isLoopback };

/** A configured key as the API keeps it: only its sha256 digest stays in memory. */
export interface ApiKey {
  name: string;
  scopes: ReadonlySet<ApiScope>;
  digest: Buffer;
}

const SHA256_FORM = /^sha256:([0-9a-fA-F]{64})$/;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Keys from config: plaintext keys are hashed, `sha256:<hex>` keys are taken as their digest.
 * A plaintext key too easy to guess is refused (ConfigError saying how to make one): a key is
 * the only thing between the network and every tool. A digest cannot be judged, so its owner's
 * word is taken for it.
 */
export function parseApiKeys(keys: readonly ApiKeyConfig[]): ApiKey[] {
  const names = new Set<string>();
  return keys.map((key) => {
    if (names.has(key.name))
      throw new ConfigError(`API key name '${key.name}' is used twice`, { name: key.name });
    names.add(key.name);
    const hex = SHA256_FORM.exec(key.key)?.[1];
    if (!hex) assertStrongSecret(`API key '${key.name}'`, key.key);
    return {
      name: key.name,
      scopes: new Set(key.scopes),
      digest: hex ? Buffer.from(hex, 'hex') : sha256(key.key),
    };
  });
}

/**
 * The key whose digest matches `presented`, or undefined.
 * Security: both sides are sha256 digests of equal length, compared with timingSafeEqual, and
 * every key is compared (no early exit), so timing says nothing about the key or which matched.
 */
export function findApiKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  const digest = sha256(presented);
  let found: ApiKey | undefined;
  for (const key of keys) if (timingSafeEqual(key.digest, digest) && !found) found = key;
  return found;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** The WebSocket subprotocol the console names first: the server selects it (ws picks the first offered). */
export const EVENTS_SUBPROTOCOL = 'switchyard';
/** The prefix of the subprotocol that carries a key: `bearer.<key as base64url>`. */
const BEARER_PROTOCOL = 'bearer.';

/**
 * The key a browser sends on a WebSocket upgrade, which cannot carry an Authorization header: as
 * the subprotocol `bearer.<base64url of the key>` in `Sec-WebSocket-Protocol`. Undefined when
 * there is none. Security: the key never goes into a URL, where logs and histories would keep it.
 */
export function subprotocolToken(header: string | undefined): string | undefined {
  for (const protocol of (header ?? '').split(',')) {
    const value = protocol.trim();
    if (!value.startsWith(BEARER_PROTOCOL)) continue;
    const encoded = value.slice(BEARER_PROTOCOL.length);
    if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
    return Buffer.from(encoded, 'base64url').toString('utf8');
  }
  return undefined;
}

/**
 * Security: an API without keys lets anyone who can reach it call every tool, so it may only
 * listen on loopback. A host name (even `localhost`) is refused: what it resolves to is not ours.
 */
export function assertSafeBinding(host: string, keys: readonly ApiKey[]): void {
  if (keys.length === 0 && !isLoopback(host))
    throw new ConfigError(
      `the API has no keys configured and would listen on ${host}: configure api.keys ` +
        `(or SWITCHYARD_API_KEYS), or bind api.host to 127.0.0.1 or ::1`,
      { host },
    );
}
