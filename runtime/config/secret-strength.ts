import { ConfigError } from '#core';

/** Bits a key or token must carry at least: far beyond guessing over the network at any rate. */
export const MIN_SECRET_BITS = 64;

/** How to make a good one, for error messages. */
export const MAKE_A_SECRET = 'make one with `openssl rand -hex 24`';

/**
 * A rough estimate of the bits of a secret a person wrote: each character counts log2 of the
 * number of distinct characters the secret uses, after dropping every character that merely
 * continues a run or a sequence of three or more (`aaaa`, `0123`, `abcd`): those add nothing an attacker's
 * dictionary lacks. Random keys pass with room (`openssl rand -hex 24`: ~180 estimated bits;
 * `-hex 12`: ~80); keys like `test-key-0123456789abcdef` or `password1234567890` do not (~40).
 */
export function estimateSecretBits(secret: string): number {
  const chars = [...secret];
  const code = (i: number) => chars[i]!.codePointAt(0)!;
  const kept: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    // The third character of a run with one step of 0 or ±1 (and every one after) is predictable.
    const step = i > 0 ? code(i) - code(i - 1) : Number.NaN;
    const before = i > 1 ? code(i - 1) - code(i - 2) : Number.NaN;
    if (!(Math.abs(step) <= 1 && step === before)) kept.push(chars[i]!);
  }
  if (kept.length === 0) return 0;
  const distinct = new Set(kept).size;
  return distinct < 2 ? 0 : kept.length * Math.log2(distinct);
}

/**
 * Refuses a key or token that is too easy to guess, with a message that says which and how to
 * make a good one. `what` names it (`API key 'ops'`, `--token`); the secret itself is never shown.
 */
export function assertStrongSecret(what: string, secret: string): void {
  const bits = estimateSecretBits(secret);
  if (bits < MIN_SECRET_BITS)
    throw new ConfigError(
      `${what} is too easy to guess (about ${Math.floor(bits)} bits of entropy; at least ${MIN_SECRET_BITS} ` +
        `are needed): ${MAKE_A_SECRET}`,
      { what, bits: Math.floor(bits) },
    );
}
