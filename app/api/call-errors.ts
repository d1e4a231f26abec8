import { type ErrorCode, httpStatusOf } from '#core';
import { describeToolCallFailure } from '#bridge/catalog';

/** How a failed call is answered over HTTP. */
export interface CallFailure {
  status: number;
  /** The error code in the body, and the `kind` label of the error metric. */
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  /** Seconds, for a Retry-After header. */
  retryAfter?: number;
}

/**
 * Maps what catalog.callTool rejected with to an HTTP answer: the code MCP answers too
 * (describeToolCallFailure), its status from httpStatusOf. A tool's own failure is not here: it
 * is a result with `isError: true`, relayed with 200.
 */
export function describeCallFailure(error: unknown, aborted: boolean): CallFailure {
  if (aborted)
    return {
      status: httpStatusOf('aborted'),
      code: 'aborted',
      message: 'the client closed the connection; the call was cancelled',
    };
  const { code, message, details } = describeToolCallFailure(error);
  const failure: CallFailure = { status: httpStatusOf(code), code, message };
  if (Object.keys(details).length > 0) failure.details = details;
  const retryInMs = details.retryInMs;
  if (code === 'circuit_open' && typeof retryInMs === 'number')
    failure.retryAfter = Math.max(1, Math.ceil(retryInMs / 1000));
  return failure;
}
