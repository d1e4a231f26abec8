import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { type ErrorCode, jsonRpcCodeOf, SwitchyardError } from '#core';
import { isDataException } from '#stores/sql';

/** Why a tool call did not run, in the error vocabulary: what every front answers it with. */
export interface ToolCallFailure {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
  /**
   * Whether the failure is one we can explain (ours, the upstream's, the database's refusal of a
   * value). An unknown one is a bug whose text (paths, SQL) is for the log, never the caller.
   */
  known: boolean;
}

/**
 * Names the failure of a catalog call, the same way for REST (`/v1/tools/{name}/call`) and MCP
 * (the front and the task tools): Switchyard's errors keep their code; the upstream's JSON-RPC
 * `invalid params` is `validation_failed` like our own argument checks, its other errors
 * `upstream_error`; a value the database cannot hold (a NUL) is `validation_failed`; anything
 * else `internal`.
 */
export function describeToolCallFailure(error: unknown): ToolCallFailure {
  if (error instanceof SwitchyardError)
    return { code: error.code, message: error.message, details: { ...error.details }, known: true };
  if (error instanceof ProtocolError)
    return {
      code: error.code === ProtocolErrorCode.InvalidParams ? 'validation_failed' : 'upstream_error',
      message: error.message,
      details: { jsonrpcCode: error.code },
      known: true,
    };
  if (isDataException(error))
    return { code: 'validation_failed', message: (error as Error).message, details: {}, known: true };
  return {
    code: 'internal',
    message: error instanceof Error ? error.message : String(error),
    details: {},
    known: false,
  };
}

/** Where an error tool result carries its code: `_meta[TOOL_ERROR_META]`. */
export const TOOL_ERROR_META = 'switchyard/error';

/**
 * A failure as an MCP tool result (`isError`), which a model can read and act on. The text is
 * the message; the code, its JSON-RPC number and the details are in `_meta['switchyard/error']`,
 * and in `structuredContent.error` too when `structured` (a tool without an output schema: a
 * client validates structuredContent against the schema, errors included).
 */
export function toolErrorResult(
  failure: Pick<ToolCallFailure, 'code' | 'message' | 'details'>,
  options: { structured?: boolean } = {},
): CallToolResult {
  const { code, message, details } = failure;
  const error = {
    code,
    message,
    jsonRpcCode: jsonRpcCodeOf(code),
    ...(Object.keys(details).length > 0 ? { details } : {}),
  };
  return {
    isError: true,
    content: [{ type: 'text', text: message }],
    ...(options.structured ? { structuredContent: { error } } : {}),
    _meta: { [TOOL_ERROR_META]: error },
  };
}
