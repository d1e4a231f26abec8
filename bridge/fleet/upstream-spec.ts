import { z } from 'zod';
import { ValidationError } from '#core';

/**
 * One upstream MCP server as the fleet supervises it: resolved (a `{"builtin": "crm"}` entry or a
 * Claude Desktop `mcpServers` entry already turned into a command or a URL) and complete (every
 * supervision option has its default). The config layer builds these; the fleet validates them
 * again with {@link parseUpstreamSpec}, so a hand-built spec gets the same messages.
 */

const durationMs = z.number().int().nonnegative();
const positiveMs = z.number().int().positive();

export const RestartOptionsSchema = z
  .strictObject({
    /**
     * When to restart after the process exits or the health check gives up: `always`; `on-failure`
     * (not after a clean exit with code 0); `never` (the upstream stays `stopped`).
     * @defaultValue 'always'
     */
    policy: z.enum(['always', 'on-failure', 'never']).default('always'),
    /** Delay before the first restart; each further restart within the window doubles it. @defaultValue 500 */
    initialDelayMs: durationMs.default(500),
    /** The delay never exceeds this, jitter included. @defaultValue 30000 */
    maxDelayMs: positiveMs.default(30_000),
    /** Each delay is spread by ± this fraction, so upstreams that died together do not restart together. @defaultValue 0.2 */
    jitter: z.number().min(0).max(1).default(0.2),
    crashLoop: z
      .strictObject({
        /** Restarts allowed within `windowMs`; one more is a crash loop: state `crash-loop`, no more spawning. @defaultValue 5 */
        maxRestarts: z.number().int().nonnegative().default(5),
        /** The sliding window restarts are counted in. @defaultValue 60000 */
        windowMs: positiveMs.default(60_000),
      })
      .prefault({}),
  })
  .refine((restart) => restart.maxDelayMs >= restart.initialDelayMs, {
    message: 'maxDelayMs must be at least initialDelayMs',
    path: ['maxDelayMs'],
  });

export const CircuitBreakerOptionsSchema = z.strictObject({
  /**
   * Consecutive failed calls (timeouts, transport errors; not tool results with `isError`, not
   * JSON-RPC errors the upstream answered with) that open the circuit. @defaultValue 5
   */
  failureThreshold: z.number().int().positive().default(5),
  /** How long an open circuit fails calls fast before it lets one trial call through. @defaultValue 30000 */
  resetTimeoutMs: positiveMs.default(30_000),
});

/** Options every upstream has, whatever its transport (the config layer reuses them per server). */
export const supervisionShape = {
  /** Time for the process to start and answer `initialize`. @defaultValue 30000 */
  startupTimeoutMs: positiveMs.default(30_000),
  /** Default timeout of one request (tools/call, resources/read, …); a call may pass its own. @defaultValue 60000 */
  callTimeoutMs: positiveMs.default(60_000),
  /** Time between health pings; 0 turns health pings off. @defaultValue 15000 */
  pingIntervalMs: durationMs.default(15_000),
  /** A ping not answered within this failed. @defaultValue 5000 */
  pingTimeoutMs: positiveMs.default(5_000),
  /** One failed ping makes the upstream `degraded`; this many in a row restart it. @defaultValue 3 */
  maxPingFailures: z.number().int().positive().default(3),
  /**
   * Stdio only: how long to wait after ending the child's stdin before SIGTERM to its process
   * group, and after SIGTERM before SIGKILL. @defaultValue 2000
   */
  killGraceMs: durationMs.default(2_000),
  restart: RestartOptionsSchema.prefault({}),
  circuitBreaker: CircuitBreakerOptionsSchema.prefault({}),
};

const name = z.string().min(1, 'name must not be empty').max(200);

export const StdioUpstreamSpecSchema = z.strictObject({
  name,
  transport: z.literal('stdio'),
  /** The program; looked up on PATH. Started with no shell, in its own process group. */
  command: z.string().min(1, 'command must not be empty'),
  /** @defaultValue [] */
  args: z.array(z.string()).default([]),
  /**
   * Added to a minimal inherited environment (HOME, LOGNAME, PATH, SHELL, TERM, USER), as the SDK
   * and Claude Desktop do: the bridge's own secrets are not passed on. @defaultValue {}
   */
  env: z.record(z.string(), z.string()).default({}),
  /** Working directory. @defaultValue the bridge's */
  cwd: z.string().min(1).optional(),
  ...supervisionShape,
});

export const HttpUpstreamSpecSchema = z.strictObject({
  name,
  transport: z.literal('http'),
  /** The Streamable HTTP endpoint, e.g. `https://mcp.example.com/mcp`. */
  url: z.url({ protocol: /^https?$/, message: 'url must be an http(s) URL' }),
  /** Sent with every request (e.g. `Authorization`). @defaultValue {} */
  headers: z.record(z.string(), z.string()).default({}),
  ...supervisionShape,
});

/**
 * One of Switchyard's own servers, run inside the bridge's process and joined to its client by an
 * in-memory transport: no child process, so the built-ins can share one SQL store (an embedded
 * PGlite database admits one owning process). A restart makes a new server instance.
 */
export const BuiltinUpstreamSpecSchema = z.strictObject({
  name,
  transport: z.literal('builtin'),
  /** The server's name in the registry (`crm`, `memory`, …); the transport factory resolves it. */
  server: z.string().min(1, 'server must not be empty'),
  /** The entry's positional arguments (the filesystem server's roots). @defaultValue [] */
  args: z.array(z.string()).default([]),
  ...supervisionShape,
});

export const UpstreamSpecSchema = z.discriminatedUnion('transport', [
  StdioUpstreamSpecSchema,
  HttpUpstreamSpecSchema,
  BuiltinUpstreamSpecSchema,
]);

/** A validated upstream with every default applied. */
export type UpstreamSpec = z.infer<typeof UpstreamSpecSchema>;
export type StdioUpstreamSpec = z.infer<typeof StdioUpstreamSpecSchema>;
export type HttpUpstreamSpec = z.infer<typeof HttpUpstreamSpecSchema>;
export type BuiltinUpstreamSpec = z.infer<typeof BuiltinUpstreamSpecSchema>;
/** What a caller writes: the supervision options may be left out. */
export type UpstreamSpecInput = z.input<typeof UpstreamSpecSchema>;
export type RestartOptions = UpstreamSpec['restart'];
export type CircuitBreakerOptions = UpstreamSpec['circuitBreaker'];

/** Validates and completes a spec; the error names the upstream and every bad field. */
export function parseUpstreamSpec(input: unknown): UpstreamSpec {
  const parsed = UpstreamSpecSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const label =
    typeof input === 'object' && input !== null && typeof (input as { name?: unknown }).name === 'string'
      ? `upstream '${(input as { name: string }).name}'`
      : 'upstream';
  const problems = parsed.error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
  throw new ValidationError(`${label}: ${problems.join('; ')}`, { issues: problems });
}
