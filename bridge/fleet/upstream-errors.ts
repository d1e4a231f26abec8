import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { SwitchyardError } from '#core';
import type { UpstreamState } from './upstream-events.js';

/**
 * A call to an upstream that is not taking calls (starting, restarting, crash-loop, stopped).
 * Fails at once; the message names the server and its state so a model or a person can act.
 */
export class UpstreamUnavailableError extends SwitchyardError {
  constructor(
    readonly server: string,
    readonly state: UpstreamState,
    reason: string,
  ) {
    super('upstream_unavailable', `upstream '${server}' is unavailable (state ${state}: ${reason})`, {
      details: { server, state, reason },
    });
  }
}

/** A call refused because the server's circuit is open after repeated failures. */
export class CircuitOpenError extends SwitchyardError {
  constructor(
    readonly server: string,
    failures: number,
    retryInMs: number,
  ) {
    super(
      'circuit_open',
      `upstream '${server}' is failing fast after ${failures} consecutive failed calls; ` +
        `a trial call is allowed in ${Math.max(0, Math.ceil(retryInMs / 1000))} s`,
      { details: { server, failures, retryInMs } },
    );
  }
}

/** A request the upstream did not answer in time. */
export class UpstreamTimeoutError extends SwitchyardError {
  constructor(server: string, method: string, timeoutMs: number, cause: unknown) {
    super('upstream_timeout', `upstream '${server}' did not answer ${method} within ${timeoutMs} ms`, {
      details: { server, method, timeoutMs },
      cause,
    });
  }
}

/** A request lost on the way: the connection closed, the process died, HTTP failed. */
export class UpstreamRequestError extends SwitchyardError {
  constructor(server: string, method: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('upstream_request_failed', `upstream '${server}' failed during ${method}: ${why}`, {
      details: { server, method },
      cause,
    });
  }
}

/**
 * What a failed request says about the upstream:
 * - `answered`: it replied with a JSON-RPC error (unknown tool, bad params): alive and well;
 * - `timeout`: no answer in time;
 * - `session-lost`: a Streamable HTTP server answered 404 for our session (it restarted and
 *   forgot it): the spec's signal to initialize a new session;
 * - `failed`: anything else on the way (connection closed, fetch failed, HTTP 5xx, a malformed reply).
 */
export type FailureKind = 'answered' | 'timeout' | 'session-lost' | 'failed';

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof SdkHttpError && error.status === 404) return 'session-lost';
  // v2 splits the two families: a JSON-RPC error the server sent is a ProtocolError, while a
  // timeout, a closed connection or an HTTP failure is an SdkError raised on our side.
  if (error instanceof SdkError) return error.code === SdkErrorCode.RequestTimeout ? 'timeout' : 'failed';
  if (error instanceof ProtocolError) return 'answered';
  return 'failed';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
