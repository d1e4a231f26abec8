import type { CallToolResult } from '@modelcontextprotocol/server';
import { SwitchyardError, ValidationError, type Logger } from '#core';
import { errorResult as sharedErrorResult } from '#runtime/mcp';
import { EntityNotFoundError } from './graph-types.js';

/** A result as the reference server builds it: pretty JSON text and the same data structured. */
export function dataResult<T extends Record<string, unknown>>(
  text: unknown,
  data: T,
): CallToolResult & { structuredContent: T } {
  return { content: [{ type: 'text', text: JSON.stringify(text, null, 2) }], structuredContent: data };
}

/** The reference's answer to a delete: a fixed sentence, as text and as `{success, message}`. */
export function successResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], structuredContent: { success: true, message } };
}

/**
 * Turns an error into an `isError` result. `exact` keeps the reference server's message word for
 * word (its error texts are part of the drop-in contract); otherwise a hint says which call fixes it.
 */
export function errorResult(
  error: unknown,
  tool: string,
  logger: Logger,
  options: { exact?: boolean } = {},
): CallToolResult {
  return sharedErrorResult(error, {
    tool,
    logger,
    server: 'memory',
    hint: options.exact ? undefined : hintFor,
    isUnexpected: (e) => !(e instanceof SwitchyardError || e instanceof EntityNotFoundError),
  });
}

function hintFor(error: unknown): string | undefined {
  if (error instanceof EntityNotFoundError) {
    return 'Call search_nodes to find the exact name (names are case-sensitive), or create_entities to make it';
  }
  if (error instanceof ValidationError) return 'Fix the argument named in the message and call again';
  if (error instanceof SwitchyardError) return undefined;
  return 'The memory store failed; retrying later may help';
}
