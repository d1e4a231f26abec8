/**
 * The one vocabulary of error codes. Every `SwitchyardError` carries one of these, and every front
 * (the REST API, `/v1/tools/{name}/call`, the task routes, MCP tool results, the CLI) answers the
 * same failure with the same code: {@link httpStatusOf} and {@link jsonRpcCodeOf} derive the
 * status of each front from the code, so no front keeps a mapping of its own.
 *
 * The rule for input:
 * - `validation_failed`: the request was read, and what it says is refused (a body or query
 *   field, a tool's arguments, an agent's input, a value the database cannot hold).
 * - `bad_request`: the HTTP request itself cannot be read (a body that is not JSON, a malformed
 *   URL, bytes that are not HTTP). Nothing past the HTTP layer answers it.
 * - `not_found`: what the request names (a run, an agent, a tool, a route) does not exist.
 *
 * Adding a code here makes the compiler ask for its HTTP status and JSON-RPC code
 * (error-answers.ts), so a new code cannot reach a front without an answer.
 */
export const ERROR_CODES = [
  // The caller's input.
  'validation_failed',
  'bad_request',
  'not_found',
  'conflict',
  'run_state_invalid',
  'no_change',
  'not_a_file',
  'not_text',
  'file_too_large',
  'snapshot_too_large',
  'dimension_mismatch',
  // Who may do what.
  'unauthorized',
  'forbidden',
  'access_denied',
  'path_refused',
  'tool_not_allowed',
  // HTTP requests refused before a route reads them.
  'misdirected_request',
  'origin_not_allowed',
  'unsupported_media_type',
  'method_not_allowed',
  'upgrade_required',
  'uri_too_long',
  'headers_too_large',
  'payload_too_large',
  'request_timeout',
  // Limits.
  'rate_limited',
  'limit_exceeded',
  'run_limit_exceeded',
  // Cancelled or timed out.
  'aborted',
  'cancelled',
  'run_cancelled',
  'timeout',
  'task_timeout',
  // Services and upstream MCP servers.
  'unavailable',
  'queue_unavailable',
  'queue_closed',
  'tools_unavailable',
  'upstream_unavailable',
  'circuit_open',
  'upstream_timeout',
  'upstream_request_failed',
  'upstream_error',
  'github_request_failed',
  'backend_failed',
  'unsupported',
  'config_invalid',
  'fs_error',
  // The CLI's view of the bridge it talks to (its answers keep the bridge's own code).
  'bridge_unreachable',
  'bridge_timeout',
  'bridge_bad_reply',
  // Models.
  'model_not_configured',
  'model_rate_limited',
  'model_unavailable',
  'model_bad_output',
  'model_auth',
  'model_bad_request',
  'model_timeout',
  'model_aborted',
  // Runs, tasks and workers.
  'agent_failed',
  /** An agent definition that cannot build its machine (an actor, guard or action left unprovided). */
  'agent_misdefined',
  'agent_version_mismatch',
  'tool_failed',
  'tool_loop_detected',
  'crm_refused',
  'not_a_flow',
  'task_failed',
  'run_failed',
  'run_crashed',
  'run_lease_lost',
  'effect_outcome_unknown',
  'supervisor_closed',
  'worker_closing',
  'worker_closed',
  // A bug of ours, or a code another system sent that is not in this list.
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN.has(value);
}

/**
 * The narrow door for codes read at runtime from outside the type system (a stored or wired
 * error payload, an older process's record): a code of the vocabulary stays, anything else is
 * `internal`, since no front has an answer for it. Callers that want to keep the foreign code
 * put it in the error's details (see fromErrorPayload).
 */
export function toErrorCode(value: unknown): ErrorCode {
  return isErrorCode(value) ? value : 'internal';
}
