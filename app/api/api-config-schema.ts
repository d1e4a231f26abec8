import { z } from 'zod';
import { secret } from '#core';
import { API_SCOPES, DEFAULT_REDACTED_FIELDS } from '#runtime/config';

/** One API key: its name (in audit rows, rate limits, logs), the key and what it may do. */
export const ApiKeySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a key name of letters, digits, _ . -'),
  /** The key in plaintext, or its digest as `sha256:<64 hex digits>` so the file holds no secret. */
  key: secret(
    z
      .string()
      .min(16, 'an API key must be at least 16 characters')
      .refine((key) => !key.startsWith('sha256:') || /^sha256:[0-9a-fA-F]{64}$/.test(key), {
        message: 'expected sha256: followed by 64 hex digits',
      }),
  ),
  scopes: z.array(z.enum(API_SCOPES)).min(1),
});
export type ApiKeyConfig = z.output<typeof ApiKeySchema>;

/** The `api` config section: the bridge's HTTP + WebSocket API (this folder). */
export const ApiConfigSchema = z.strictObject({
  /**
   * Address to bind. With no `keys` the API is open, which is allowed only on loopback
   * (127.0.0.0/8, ::1); any other host without keys refuses to start. Env: SWITCHYARD_API_HOST.
   */
  host: z.string().min(1).default('127.0.0.1'),
  /** Env: SWITCHYARD_API_PORT. */
  port: z.int().min(0).max(65_535).default(7400),
  /** API keys. Env: SWITCHYARD_API_KEYS (see app/config/environment.ts for its format). */
  keys: z.array(ApiKeySchema).default([]),
  /** Requests allowed per key (per IP without keys) in each window. */
  rateLimit: z
    .strictObject({
      max: z.int().min(1).default(600),
      timeWindowMs: z.int().min(1).default(60_000),
    })
    .prefault({}),
  /**
   * Field-name patterns (`*` any characters, case-insensitive, at any depth) whose values are
   * replaced by "[redacted]" in tool arguments: audit rows, run events, approvals, task status.
   */
  redact: z.array(z.string().min(1)).default([...DEFAULT_REDACTED_FIELDS]),
  /** Largest request body accepted (REST and /mcp); larger gets 413. */
  bodyLimitBytes: z.int().min(1).default(1_048_576),
  /**
   * Host names (optionally `name:port`; `*.example.com` for subdomains) that requests may name
   * in their Host header, besides the loopback names and the bound address, which are always
   * allowed. Anything else is refused with 421 (DNS rebinding). Env: SWITCHYARD_API_ALLOWED_HOSTS.
   */
  allowedHosts: z.array(z.string().min(1)).default([]),
  /**
   * Browser origins (`https://console.example.com`) allowed to call the API besides its own
   * (a page served by the API itself). Any other Origin is refused with 403.
   * Env: SWITCHYARD_API_ALLOWED_ORIGINS.
   */
  allowedOrigins: z.array(z.string().min(1)).default([]),
  /** Limits that keep one client from hanging or starving the service. */
  limits: z
    .strictObject({
      /** The whole request (headers and body) must arrive within this (slow bodies). */
      requestTimeoutMs: z.int().min(1_000).default(30_000),
      /** The request headers must arrive within this (slowloris). */
      headersTimeoutMs: z.int().min(1_000).default(15_000),
      /**
       * A connection with no bytes either way for this long is closed. Longer than the longest
       * call a client waits for without progress (agents__run waits up to 10 minutes).
       */
      idleTimeoutMs: z
        .int()
        .min(1_000)
        .default(15 * 60_000),
      /** Requests to /mcp per key (per IP without keys) in each window. */
      mcpRateLimit: z
        .strictObject({
          max: z.int().min(1).default(6_000),
          timeWindowMs: z.int().min(1).default(60_000),
        })
        .prefault({}),
      /** Open /mcp sessions per key (per IP without keys); past it the oldest idle one is closed. */
      mcpSessionsPerKey: z.int().min(1).default(32),
      /** Failed authentications per client address in each window before it gets 429. */
      authFailures: z
        .strictObject({
          max: z.int().min(1).default(20),
          timeWindowMs: z.int().min(1).default(60_000),
        })
        .prefault({}),
      /** Open WebSockets on /v1/events per key (per IP without keys). */
      socketsPerKey: z.int().min(1).default(16),
      /** Subscriptions one WebSocket may hold (each run filter counts once). */
      subscriptionsPerSocket: z.int().min(1).default(256),
      /** Frames a WebSocket may send per second; past it frames get an error, and a flood closes it. */
      messagesPerSecond: z.int().min(1).default(50),
    })
    .prefault({}),
});
export type ApiConfig = z.output<typeof ApiConfigSchema>;
