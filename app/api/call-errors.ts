import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { SwitchyardError } from '#core';

/** How a failed call is answered over HTTP. */
export interface CallFailure {
  status: number;
  /** The error code in the body, and the `kind` label of the error metric. */
  code: string;
  message: string;
  details?: Record<string, unknown>;
  /** Seconds, for a Retry-After header. */
  retryAfter?: number;
}

const STATUS_BY_CODE: Record<string, number> = {
  not_found: 404,
  validation_failed: 400,
  forbidden: 403,
  upstream_unavailable: 503,
  circuit_open: 503,
  upstream_timeout: 504,
  upstream_request_failed: 502,
};

/**
 * Maps what catalog.callTool rejected with to an HTTP answer. A tool's own failure is not here:
 * it is a result with `isError: true`, relayed with 200.
 */
export function describeCallFailure(error: unknown, aborted: boolean): CallFailure {
  if (aborted)
    return {
      status: 499,
      code: 'aborted',
      message: 'the client closed the connection; the call was cancelled',
    };
  if (error instanceof SwitchyardError) {
    const failure: CallFailure = {
      status: STATUS_BY_CODE[error.code] ?? 500,
      code: error.code,
      message: error.message,
      details: { ...error.details },
    };
    const retryInMs = error.details.retryInMs;
    if (error.code === 'circuit_open' && typeof retryInMs === 'number')
      failure.retryAfter = Math.max(1, Math.ceil(retryInMs / 1000));
    return failure;
  }
  if (error instanceof McpError) {
    // The upstream answered with a JSON-RPC error: bad arguments are the caller's to fix.
    const status = error.code === ErrorCode.InvalidParams ? 400 : 502;
    return { status, code: 'upstream_error', message: error.message, details: { jsonrpcCode: error.code } };
  }
  return { status: 500, code: 'internal', message: error instanceof Error ? error.message : String(error) };
}
