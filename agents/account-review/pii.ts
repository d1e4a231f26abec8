/**
 * Finds personal data in free text and masks it: email addresses, phone numbers, payment card
 * numbers (Luhn-checked), IBANs and US social security numbers. Pure: no I/O. A finding names the
 * kind and how often it occurred, never the value itself (findings are logged and persisted).
 */

export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'ssn';

export interface PiiFinding {
  kind: PiiKind;
  count: number;
}

export interface MaskResult {
  text: string;
  findings: PiiFinding[];
}

interface Detector {
  kind: PiiKind;
  pattern: RegExp;
  /** Extra check on a match (a Luhn sum, a digit count); a rejected match is left as it is. */
  accept?: (match: string) => boolean;
}

// Order matters: card numbers and IBANs are long digit runs a phone pattern would also take.
const DETECTORS: Detector[] = [
  { kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g },
  {
    kind: 'iban',
    pattern: /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b/g,
    accept: (m) => m.replace(/ /g, '').length >= 15,
  },
  {
    kind: 'card',
    pattern: /\b\d(?:[ -]?\d){12,18}\b/g,
    accept: (m) => luhn(m.replace(/\D/g, '')),
  },
  { kind: 'ssn', pattern: /\b\d{3}-\d{2}-\d{4}\b/g },
  {
    kind: 'phone',
    // A run of digits with the usual separators; dates (2026-05-01) have too few digits to match.
    pattern: /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){2,4}(?!\w)/g,
    accept: (m) => {
      const digits = m.replace(/\D/g, '').length;
      return digits >= 9 && digits <= 15 && !/^\d{4}-\d{2}-\d{2}$/.test(m);
    },
  },
];

const MASKS: Record<PiiKind, string> = {
  email: '[email redacted]',
  phone: '[phone redacted]',
  card: '[card redacted]',
  iban: '[iban redacted]',
  ssn: '[ssn redacted]',
};

/** Masks every piece of personal data in `text`. */
export function maskPii(text: string): MaskResult {
  const counts = new Map<PiiKind, number>();
  let masked = text;
  for (const { kind, pattern, accept } of DETECTORS) {
    masked = masked.replace(pattern, (match) => {
      if (accept && !accept(match)) return match;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      return MASKS[kind];
    });
  }
  return { text: masked, findings: [...counts].map(([kind, count]) => ({ kind, count })) };
}

/** True when `text` holds nothing {@link maskPii} would mask. */
export function hasPii(text: string): boolean {
  return maskPii(text).findings.length > 0;
}

function luhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
