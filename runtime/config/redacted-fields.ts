/**
 * Default field-name patterns redacted in tool arguments wherever they are stored or served
 * (audit rows, run events, approvals): `*` is any run of characters, case is ignored. The default
 * of `api.redact` (app/api), and what the bridge's task tools redact with; it lives below both.
 */
export const DEFAULT_REDACTED_FIELDS = [
  '*token*',
  '*secret*',
  '*password*',
  '*key*',
  'authorization',
] as const;
