import type { ErrorCode } from './error-codes.js';

/**
 * JSON-RPC 2.0 error codes (and MCP's own), written out here because core imports no SDK. The
 * numbers are the specification's; MCP's SDK names them ErrorCode.*.
 */
export const JSON_RPC = {
  /** The request is not a valid request (malformed HTTP or JSON-RPC). */
  invalidRequest: -32600,
  /** The arguments are wrong, or name something that does not exist: the caller's to fix. */
  invalidParams: -32602,
  /** The server failed. */
  internalError: -32603,
  /**
   * Implementation-defined server error: what MCP's Streamable HTTP transport answers when it
   * refuses the HTTP request before any JSON-RPC is read (no key, a foreign Host, a wrong method).
   */
  transportRefused: -32000,
  /** MCP's RequestTimeout. */
  requestTimeout: -32001,
} as const;

interface Answer {
  http: number;
  jsonRpc: number;
}

const input = (http: number): Answer => ({ http, jsonRpc: JSON_RPC.invalidParams });
const refused = (http: number): Answer => ({ http, jsonRpc: JSON_RPC.transportRefused });
const malformed = (http: number): Answer => ({ http, jsonRpc: JSON_RPC.invalidRequest });
const timedOut = (http: number): Answer => ({ http, jsonRpc: JSON_RPC.requestTimeout });
const failed = (http: number): Answer => ({ http, jsonRpc: JSON_RPC.internalError });

/**
 * Every code's answer on HTTP and on JSON-RPC. A Record over the whole union: a code without an
 * answer does not compile. Codes that only live inside runs (model_*, agent_failed) never reach
 * HTTP as such, but still have an answer, so a front never guesses.
 */
const ANSWERS: Readonly<Record<ErrorCode, Answer>> = {
  validation_failed: input(400),
  bad_request: malformed(400),
  not_found: input(404),
  conflict: input(409),
  run_state_invalid: input(409),
  no_change: input(409),
  not_a_file: input(400),
  not_text: input(400),
  file_too_large: input(413),
  snapshot_too_large: input(413),
  dimension_mismatch: input(400),

  unauthorized: refused(401),
  forbidden: refused(403),
  access_denied: refused(403),
  path_refused: refused(403),
  tool_not_allowed: refused(403),

  misdirected_request: refused(421),
  origin_not_allowed: refused(403),
  unsupported_media_type: refused(415),
  method_not_allowed: refused(405),
  upgrade_required: refused(426),
  uri_too_long: malformed(414),
  headers_too_large: malformed(431),
  payload_too_large: refused(413),
  request_timeout: timedOut(408),

  rate_limited: refused(429),
  limit_exceeded: refused(429),
  run_limit_exceeded: refused(429),

  // 499: nginx's "client closed request", the client that would read the answer is gone.
  aborted: failed(499),
  cancelled: failed(499),
  run_cancelled: failed(409),
  timeout: timedOut(504),
  task_timeout: timedOut(504),

  unavailable: failed(503),
  queue_unavailable: failed(503),
  queue_closed: failed(503),
  tools_unavailable: failed(503),
  upstream_unavailable: failed(503),
  circuit_open: failed(503),
  upstream_timeout: timedOut(504),
  upstream_request_failed: failed(502),
  upstream_error: failed(502),
  github_request_failed: failed(502),
  backend_failed: failed(502),
  unsupported: failed(501),
  config_invalid: failed(500),
  fs_error: failed(500),

  bridge_unreachable: failed(502),
  bridge_timeout: timedOut(504),
  bridge_bad_reply: failed(502),

  model_not_configured: failed(500),
  model_rate_limited: failed(503),
  model_unavailable: failed(503),
  model_bad_output: failed(502),
  model_auth: failed(502),
  model_bad_request: failed(502),
  model_timeout: timedOut(504),
  model_aborted: failed(499),

  agent_failed: failed(500),
  agent_misdefined: failed(500),
  agent_version_mismatch: failed(500),
  tool_failed: failed(502),
  tool_loop_detected: failed(500),
  crm_refused: failed(502),
  not_a_flow: failed(500),
  task_failed: failed(500),
  run_failed: failed(500),
  run_crashed: failed(500),
  run_lease_lost: failed(409),
  effect_outcome_unknown: failed(500),
  supervisor_closed: failed(503),
  worker_closing: failed(503),
  worker_closed: failed(503),

  internal: failed(500),
};

/** The HTTP status every REST front answers `code` with. */
export function httpStatusOf(code: ErrorCode): number {
  return ANSWERS[code].http;
}

/** The JSON-RPC error code that goes with `code` (a JSON-RPC error, or an MCP tool error's details). */
export function jsonRpcCodeOf(code: ErrorCode): number {
  return ANSWERS[code].jsonRpc;
}
