import { DEFAULT_REDACTED_FIELDS } from '#runtime/config';
import { type ApiConfig, ApiConfigSchema, type ApiKeyConfig } from './api-config-schema.js';

/** The `api.limits` config section: timeouts, rate limits and caps of every front (see api-config-schema.ts). */
export type ApiLimits = ApiConfig['limits'];

/** Every limit at its default. */
export const DEFAULT_API_LIMITS: ApiLimits = ApiConfigSchema.parse({}).limits;

/** What createApi needs from the `api` config section; every field has a default. */
export interface ApiOptions {
  /**
   * The address the caller will listen on. Only used to decide whether an API without keys may
   * start (loopback only). @defaultValue '127.0.0.1'
   */
  host?: string;
  /** @defaultValue [] (open, loopback only) */
  keys?: readonly ApiKeyConfig[];
  /** Per key (per IP without keys). @defaultValue { max: 600, timeWindowMs: 60_000 } */
  rateLimit?: { max: number; timeWindowMs: number };
  /**
   * Field-name patterns redacted in tool arguments (audit rows, run events, approvals), `*` any
   * characters, case-insensitive. @defaultValue DEFAULT_REDACTED_FIELDS
   */
  redact?: readonly string[];
  /** Host names allowed in the Host header besides loopback and the bound address. @defaultValue [] */
  allowedHosts?: readonly string[];
  /** Browser origins allowed besides the API's own. @defaultValue [] */
  allowedOrigins?: readonly string[];
  /** Timeouts, rate limits and caps; fields not given keep their defaults. @defaultValue DEFAULT_API_LIMITS */
  limits?: Partial<ApiLimits>;
  /** @defaultValue 1 MiB */
  bodyLimitBytes?: number;
  /** Timeout of a tool call made through the API. @defaultValue the upstream's callTimeoutMs */
  callTimeoutMs?: number;
  /** How long /ready waits for `SELECT 1`. @defaultValue 2000 */
  readyTimeoutMs?: number;
}

export type ResolvedApiOptions = Required<Omit<ApiOptions, 'callTimeoutMs' | 'limits'>> &
  Pick<ApiOptions, 'callTimeoutMs'> & { limits: ApiLimits };

export const API_DEFAULTS: ResolvedApiOptions = {
  host: '127.0.0.1',
  keys: [],
  rateLimit: { max: 600, timeWindowMs: 60_000 },
  redact: DEFAULT_REDACTED_FIELDS,
  allowedHosts: [],
  allowedOrigins: [],
  limits: DEFAULT_API_LIMITS,
  bodyLimitBytes: 1_048_576,
  readyTimeoutMs: 2000,
};

export function resolveApiOptions(options: ApiOptions): ResolvedApiOptions {
  const resolved = { ...API_DEFAULTS, ...options, limits: { ...DEFAULT_API_LIMITS, ...options.limits } };
  if (!Number.isInteger(resolved.bodyLimitBytes) || resolved.bodyLimitBytes < 1)
    throw new RangeError(`bodyLimitBytes must be a positive integer, got ${options.bodyLimitBytes}`);
  if (!(resolved.rateLimit.max >= 1 && resolved.rateLimit.timeWindowMs >= 1))
    throw new RangeError('rateLimit.max and rateLimit.timeWindowMs must be at least 1');
  return resolved;
}
